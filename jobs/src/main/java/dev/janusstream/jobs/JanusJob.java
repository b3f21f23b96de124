package dev.janusstream.jobs;

import dev.janusstream.operators.KafkaInput;
import dev.janusstream.operators.Outgoing;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Both in one job: image events → answers and prompt events → images, the two operators of a
 * slot sharing one model (and its batches) through the per-slot model service.
 */
public final class JanusJob {
    private JanusJob() {}

    public static void define(StreamExecutionEnvironment env, JobOptions o) {
        DataStream<KafkaInput> images = Pipeline.images(env, o);
        DataStream<KafkaInput> prompts = Pipeline.prompts(env, o);
        DataStream<Outgoing> answers = Pipeline.understand(images, o);
        DataStream<Outgoing> pictures = Pipeline.generate(prompts, o);
        Pipeline.publish(answers.union(pictures), o);
    }

    public static void main(String[] args) throws Exception { // flink run -c ...JanusJob: never exits the JVM
        Main.main(CaptionJob.prepend("janus-job", args));
    }
}
