package dev.janusstream.jobs;

import dev.janusstream.operators.KafkaInput;
import dev.janusstream.operators.Outgoing;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Image events → captions/answers/labels (and dead letters). */
public final class CaptionJob {
    private CaptionJob() {}

    public static void define(StreamExecutionEnvironment env, JobOptions o) {
        DataStream<KafkaInput> images = Pipeline.images(env, o);
        DataStream<Outgoing> answers = Pipeline.understand(images, o);
        Pipeline.publish(answers, o);
    }

    public static void main(String[] args) throws Exception { // flink run -c ...CaptionJob: never exits the JVM
        Main.main(prepend("caption-job", args));
    }

    static String[] prepend(String cmd, String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = cmd;
        System.arraycopy(args, 0, all, 1, args.length);
        return all;
    }
}
