package io.fptrfunctions.lifecycle;

import io.fptrfunctions.fptr.FptrConfig;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Inject;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * The function's start, the two ways Lambda starts a Java function:
 * <ul>
 * <li>on demand: once Quarkus has started, the handler's {@link FirstCall#prefetch} runs on a background
 *     thread (reading the secret, minting the first token...) while the runtime fetches the first event,
 *     when {@code fptr.prefetch-at-start} is on (the default);</li>
 * <li>SnapStart (template parameter {@code SnapStart=true}): the same prefetch runs before the
 *     snapshot, which primes the code paths of the first call (classes loaded, the SDK and REST clients
 *     built) into it; then, just before the checkpoint, every created {@link SnapshotSafe} bean drops what
 *     must not be captured, and after each restore re-makes it and the prefetch runs again, so each
 *     restored sandbox reads its own secret and mints its own token.</li>
 * </ul>
 * The checkpoint hooks come from the CRaC API ({@code org.crac}), which Lambda's managed Java runtime
 * implements; elsewhere they are never called.
 */
@ApplicationScoped
public class ColdStart implements Resource {

    private static final Logger LOG = Logger.getLogger(ColdStart.class);

    @ConfigProperty(name = "quarkus.lambda.handler")
    Optional<String> handler;

    @Inject
    FptrConfig config;

    @Inject
    BeanManager beans;

    private volatile Thread prefetching;

    void started(@Observes StartupEvent started) {
        Core.getGlobalContext().register(this);   // held by this application-scoped bean for the process's life
        if (config.prefetchAtStart()) {
            prefetch();
        }
    }

    /** Starts the handler's prefetch on a background thread (nothing when the handler needs none). */
    public synchronized void prefetch() {
        Optional<FirstCall> firstCall = handler.map(name -> Arc.container().instance(name).get())
                .filter(FirstCall.class::isInstance).map(FirstCall.class::cast);
        if (firstCall.isEmpty()) {
            return;
        }
        Thread thread = new Thread(() -> {
            try {
                firstCall.get().prefetch();
            } catch (RuntimeException e) {
                // the first call fetches again and answers for the failure with the whole story
                LOG.debugf("The prefetch for the first call failed: %s", e.getMessage());
            }
        }, "first-call-prefetch");
        thread.setDaemon(true);
        prefetching = thread;
        thread.start();
    }

    /** Waits for a prefetch under way, so nothing it fetches lands after the snapshot was cleaned. */
    void awaitPrefetch() throws InterruptedException {
        Thread thread = prefetching;
        if (thread != null) {
            thread.join();
        }
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws InterruptedException {
        awaitPrefetch();
        forEachCreated(SnapshotSafe::beforeSnapshot);
        LOG.info("Snapshot: dropped the secrets, tokens, connections and random seeds it must not hold");
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        forEachCreated(SnapshotSafe::afterRestore);
        prefetch();
    }

    /** The beans implementing {@link SnapshotSafe} that exist (asking their context creates none). */
    private void forEachCreated(Consumer<SnapshotSafe> action) {
        for (Bean<?> bean : beans.getBeans(SnapshotSafe.class)) {
            Object existing = beans.getContext(bean.getScope()).get(bean);
            if (existing instanceof SnapshotSafe safe) {
                action.accept(safe);
            }
        }
    }
}
