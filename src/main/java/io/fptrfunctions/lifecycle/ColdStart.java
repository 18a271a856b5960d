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

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The function's start, the two ways Lambda starts a Java function:
 * <ul>
 * <li>on demand: once Quarkus has started, the handler's {@link FirstCall#prefetches} run on background
 *     threads (reading the secret and minting the first token on one, building an AWS client on another...)
 *     while the runtime fetches the first event, when {@code fptr.prefetch-at-start} is on (the default);</li>
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

    private volatile List<Thread> prefetching = List.of();

    void started(@Observes StartupEvent started) {
        Core.getGlobalContext().register(this);   // held by this application-scoped bean for the process's life
        if (config.prefetchAtStart()) {
            prefetch();
        }
    }

    /** Starts the handler's prefetches, each on a background thread (nothing when the handler needs none). */
    public synchronized void prefetch() {
        List<Runnable> parts = handler.map(name -> Arc.container().instance(name).get())
                .filter(FirstCall.class::isInstance).map(firstCall -> ((FirstCall) firstCall).prefetches())
                .orElse(List.of());
        List<Thread> threads = parts.stream().map(part -> {
            Thread thread = new Thread(() -> {
                try {
                    part.run();
                } catch (RuntimeException e) {
                    // the first call fetches again and answers for the failure with the whole story
                    LOG.debugf("A prefetch for the first call failed: %s", e.getMessage());
                }
            }, "first-call-prefetch");
            thread.setDaemon(true);
            return thread;
        }).toList();
        prefetching = threads;
        threads.forEach(Thread::start);
    }

    /** Waits for the prefetches under way, so nothing they fetch lands after the snapshot was cleaned. */
    void awaitPrefetch() throws InterruptedException {
        for (Thread thread : prefetching) {
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
