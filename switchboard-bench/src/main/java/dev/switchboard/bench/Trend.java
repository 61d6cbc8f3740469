package dev.switchboard.bench;

import org.apache.commons.math3.stat.regression.SimpleRegression;

/**
 * How one sampled quantity moved after the warm-up: its least-squares slope per minute with the
 * slope's 95 % confidence interval (half-width), and its first, last, lowest and highest values. A
 * flat quantity has a slope whose interval spans 0, or a slope too small to matter over hours.
 *
 * @param slopePerMinute the least-squares slope, in the quantity's unit per minute
 * @param slopeHalfWidth half the 95 % confidence interval of the slope; NaN with fewer than three
 *     samples
 */
record Trend(
    double slopePerMinute,
    double slopeHalfWidth,
    double first,
    double last,
    double min,
    double max) {

  /**
   * @param minutes when each sample was taken, in minutes from the start
   * @param values the samples, as many
   */
  static Trend of(double[] minutes, double[] values) {
    if (minutes.length != values.length || values.length < 2) {
      throw new IllegalArgumentException("a trend needs at least two samples");
    }
    SimpleRegression regression = new SimpleRegression();
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < values.length; i++) {
      regression.addData(minutes[i], values[i]);
      min = Math.min(min, values[i]);
      max = Math.max(max, values[i]);
    }
    double halfWidth = values.length < 3 ? Double.NaN : regression.getSlopeConfidenceInterval();
    return new Trend(
        regression.getSlope(), halfWidth, values[0], values[values.length - 1], min, max);
  }
}
