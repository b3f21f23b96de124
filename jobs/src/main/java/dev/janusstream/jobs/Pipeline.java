package dev.janusstream.jobs;

import dev.janusstream.operators.GenerateFunction;
import dev.janusstream.operators.KafkaInput;
import dev.janusstream.operators.Outgoing;
import dev.janusstream.operators.UnderstandFunction;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The building blocks the jobs are written in: sources, the two async model operators, the sink. */
public final class Pipeline {
    private Pipeline() {}

    /** Checkpointing (which drives offset commits and Kafka transactions) and parallelism. */
    public static StreamExecutionEnvironment configure(StreamExecutionEnvironment env, JobOptions o) {
        env.setParallelism(o.parallelism);
        env.enableCheckpointing(o.checkpointIntervalMs, CheckpointingMode.EXACTLY_ONCE);
        // Unaligned barriers: the fast answers path must not wait at the sink for the barrier of a
        // generate operator that is busy with a long round (still exactly once).
        env.getCheckpointConfig().enableUnalignedCheckpoints();
        return env;
    }

    public static DataStream<KafkaInput> images(StreamExecutionEnvironment env, JobOptions o) {
        return env.fromSource(KafkaIo.source(o, o.imageTopic), WatermarkStrategy.noWatermarks(), "image-requests")
                .uid("image-requests");
    }

    public static DataStream<KafkaInput> prompts(StreamExecutionEnvironment env, JobOptions o) {
        return env.fromSource(KafkaIo.source(o, o.promptTopic), WatermarkStrategy.noWatermarks(), "prompt-requests")
                .uid("prompt-requests");
    }

    /** Image events → answers or dead letters; unordered, at most capacity in flight per instance. */
    public static DataStream<Outgoing> understand(DataStream<KafkaInput> images, JobOptions o) {
        return AsyncDataStream.unorderedWait(images,
                        new UnderstandFunction(o.modelSpec(), o.imagePolicy(), o.limits(), o.deadLetters()),
                        o.requestTimeoutMs, TimeUnit.MILLISECONDS, o.capacity)
                .name("understand").uid("understand");
    }

    /** Prompt events → one record per generated image, or a dead letter. */
    public static DataStream<Outgoing> generate(DataStream<KafkaInput> prompts, JobOptions o) {
        return AsyncDataStream.unorderedWait(prompts, new GenerateFunction(o.modelSpec(), o.limits(), o.deadLetters()),
                        o.requestTimeoutMs, TimeUnit.MILLISECONDS, o.capacity)
                .name("generate").uid("generate");
    }

    /** All results and dead letters to Kafka (after {@link JobOptions#beforeSink}, identity unless a test injects a stage). */
    public static void publish(DataStream<Outgoing> out, JobOptions o) {
        o.beforeSink.apply(out).sinkTo(KafkaIo.sink(o)).name("kafka: " + o.answerTopic + ", " + o.generatedTopic + ", " + o.deadLetterTopic)
                .uid("results-sink");
    }

}
