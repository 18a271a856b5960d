package io.fptrfunctions.lifecycle;

import java.util.List;

/**
 * Implemented by a handler whose first call needs something from outside the process (a secret, an FPTR
 * token, an AWS client): {@link ColdStart} runs its {@link #prefetches} on background threads while Lambda is
 * still starting the function, so the first event finds it ready, or being fetched (the caches let one
 * load serve every caller). Only what every call of the function needs; a prefetch that fails leaves
 * nothing behind, and the first call fetches again and reports the failure itself.
 */
public interface FirstCall {

    /**
     * What the first call needs, in parts that need nothing of each other: each runs on a thread of its own,
     * so a client is built (CPU) while the secret is read and the token minted (waits on the network).
     */
    List<Runnable> prefetches();
}
