package io.fptrfunctions.fptr;

/**
 * The deployment is not set up to reach FPTR: no credentials configured, the secret missing or not
 * shaped {@code {"site_url","script_name","script_key"}}. Our fault, not the caller's; the message says
 * what to fix and never holds a secret value.
 */
public class FptrConfigurationException extends RuntimeException {

    public FptrConfigurationException(String message) {
        super(message);
    }

    public FptrConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
