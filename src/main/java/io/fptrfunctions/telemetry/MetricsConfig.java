package io.fptrfunctions.telemetry;

import io.smallrye.config.WithDefault;

/** {@code fptr.metrics.*}: where the CloudWatch metrics of {@link Metric} go (a group of FunctionsConfig). */
public interface MetricsConfig {

    /** The CloudWatch namespace (template parameter MetricsNamespace); metrics carry the dimension {@code Function}. */
    @WithDefault("fptr-functions")
    String namespace();

    /** Off: no EMF line is written (the access line and the other log lines stay). */
    @WithDefault("true")
    boolean enabled();
}
