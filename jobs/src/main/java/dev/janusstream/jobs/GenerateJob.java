package dev.janusstream.jobs;

import dev.janusstream.operators.KafkaInput;
import dev.janusstream.operators.Outgoing;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Prompt events → generated images (and dead letters). */
public final class GenerateJob {
    private GenerateJob() {}

    public static void define(StreamExecutionEnvironment env, JobOptions o) {
        DataStream<KafkaInput> prompts = Pipeline.prompts(env, o);
        DataStream<Outgoing> images = Pipeline.generate(prompts, o);
        Pipeline.publish(images, o);
    }

    public static void main(String[] args) throws Exception { // flink run -c ...GenerateJob: never exits the JVM
        Main.main(CaptionJob.prepend("generate-job", args));
    }
}
