package dev.janusstream.runtime;

/**
 * The candidate with the highest log-likelihood under the model, and its probability among
 * the candidates (softmax over the candidates' total log-likelihoods).
 */
public record Label(String id, String label, double probability, double[] logLikelihoods, Timings timings) {}
