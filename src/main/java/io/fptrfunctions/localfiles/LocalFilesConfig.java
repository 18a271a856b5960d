package io.fptrfunctions.localfiles;

import io.smallrye.config.WithDefault;

import java.time.Duration;

/** {@code fptr.local-files.*}: local-file's settings (a group of {@code io.fptrfunctions.config.FunctionsConfig}). */
public interface LocalFilesConfig {

    /** How long the site's LocalStorage rows are kept before being read again. */
    @WithDefault("5m")
    Duration storageCacheTtl();

    /** A path under no root re-reads the rows, but not more often than this. */
    @WithDefault("1s")
    Duration missRefreshMinInterval();
}
