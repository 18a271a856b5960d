package io.fptrfunctions.lifecycle;

/**
 * Implemented by a handler whose first call needs something from outside the process (a secret, an FPTR
 * token, an AWS client): {@link ColdStart} runs {@link #prefetch} on a background thread while Lambda is
 * still starting the function, so the first event finds it ready, or being fetched (the caches let one
 * load serve every caller). Only what every call of the function needs; a prefetch that fails leaves
 * nothing behind, and the first call fetches again and reports the failure itself.
 */
public interface FirstCall {

    void prefetch();
}
