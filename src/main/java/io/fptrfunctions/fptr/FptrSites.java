package io.fptrfunctions.fptr;

import io.fptrfunctions.lifecycle.SnapshotSafe;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.resteasy.reactive.client.api.LoggingScope;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One REST client per FPTR site, built the first time the site is used and kept for the container's
 * life (connection pool included). The site URL is only known once credentials are read, so the
 * clients are built here rather than injected with {@code @RestClient}. A SnapStart snapshot gets none of
 * them: their pooled connections would be dead in every restored sandbox.
 */
@ApplicationScoped
class FptrSites implements SnapshotSafe {

    private static final Logger LOG = Logger.getLogger(FptrSites.class);

    private record Clients(FptrApi api, FptrLinksApi links) {
    }

    private final Map<URI, Clients> clients = new ConcurrentHashMap<>();

    @Inject
    FptrConfig config;

    FptrApi api(URI site) {
        return clients(site).api();
    }

    FptrLinksApi links(URI site) {
        return clients(site).links();
    }

    @Override
    public void beforeSnapshot() {
        for (Clients dropped : clients.values()) {
            close(dropped.api());
            close(dropped.links());
        }
        clients.clear();
    }

    private static void close(Object client) {
        try {
            ((Closeable) client).close();   // MicroProfile REST clients are Closeable
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Closing an FPTR REST client: %s", e.getMessage());
        }
    }

    private Clients clients(URI site) {
        return clients.computeIfAbsent(site, s -> new Clients(builder(s).build(FptrApi.class), builder(s).build(FptrLinksApi.class)));
    }

    private QuarkusRestClientBuilder builder(URI site) {
        return QuarkusRestClientBuilder.newBuilder()
                .baseUri(site)
                .connectTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .readTimeout(config.readTimeout().toMillis(), TimeUnit.MILLISECONDS)
                // ?alt answers 302 to the stored bytes: callers want the Location, not the bytes.
                .followRedirects(false)
                // every status reaches FptrResponses, which knows FPTR's error body and Retry-After.
                .disableDefaultMapper(true)
                // request logging would print the script key (token form body) and bearer tokens: always off.
                .loggingScope(LoggingScope.NONE)
                .userAgent("fptr-functions");
    }
}
