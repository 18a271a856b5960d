package io.fptrfunctions.fptr;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.fptrfunctions.lifecycle.SnapshotSafe;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.secretsmanager.model.SecretsManagerException;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.util.Optional;

/**
 * Where the FPTR credentials come from: the Secrets Manager secret {@code fptr.secret-id} (JSON
 * {@code {"site_url","script_name","script_key"}}, or {@code "login","password"} for a user), read once
 * and reused for {@code fptr.secret-ttl} ({@link FptrCache}: concurrent first calls read it once, a
 * failed read is not remembered); or, without a secret id, {@code fptr.site-url} and friends.
 * No secret value ever reaches a log line or an exception message.
 */
@ApplicationScoped
public class FptrCredentialsSource implements SnapshotSafe {

    private static final Logger LOG = Logger.getLogger(FptrCredentialsSource.class);

    /** The cache's only key: there is one set of credentials per deployment. */
    private static final String CURRENT = "current";

    @Inject
    FptrConfig config;

    @Inject
    Instance<SecretsManagerClient> secretsManager;

    @Inject
    ObjectMapper mapper;

    @Inject
    Clock clock;

    private FptrCache<String, FptrCredentials> cache;

    @PostConstruct
    void createCache() {
        // From a secret: read again after its TTL (it may be rotated). From configuration: fixed for the process.
        cache = new FptrCache<>(clock, credentials -> fromSecret() ? config.secretTtl() : null);
    }

    /** The current credentials; reads the secret again once its TTL has passed. */
    public FptrCredentials current() {
        return cache.get(CURRENT, key -> load());
    }

    /** A snapshot must not hold credentials: each restored sandbox reads the secret itself (it may have been rotated). */
    @Override
    public void beforeSnapshot() {
        cache.invalidateAll();
    }

    /** FPTR refused these credentials: read the secret again on next use, in case it was rotated. */
    public void forget(FptrCredentials refused) {
        if (fromSecret()) {
            cache.invalidateIf((key, credentials) -> credentials.equals(refused));
        }
    }

    private boolean fromSecret() {
        return config.secretId().filter(s -> !s.isBlank()).isPresent();
    }

    private FptrCredentials load() {
        Optional<String> secretId = config.secretId().filter(s -> !s.isBlank());
        if (secretId.isPresent()) {
            return fromSecret(secretId.get());
        }
        return fromConfig();
    }

    private FptrCredentials fromConfig() {
        String site = config.siteUrl().filter(s -> !s.isBlank()).orElseThrow(() -> new FptrFailure.Misconfigured(
                "No FPTR credentials are configured: set FPTR_SECRET_ID (a Secrets Manager secret) or fptr.site-url "
                        + "with fptr.script-name and fptr.script-key."));
        return credentials("configuration", site, config.scriptName(), config.scriptKey(), config.login(), config.password(),
                "fptr.script-name/fptr.script-key or fptr.login/fptr.password");
    }

    private FptrCredentials fromSecret(String secretId) {
        String secretString;
        try {
            secretString = secretsManager.get().getSecretValue(b -> b.secretId(secretId)).secretString();
        } catch (ResourceNotFoundException e) {
            throw new FptrFailure.Misconfigured("The Secrets Manager secret '" + secretId + "' (FPTR_SECRET_ID) does not exist.");
        } catch (SecretsManagerException e) {
            // The AWS error message names the secret and the reason (access denied...), never its value.
            throw new FptrFailure.Misconfigured("Secrets Manager refused to give secret '" + secretId + "': "
                    + e.awsErrorDetails().errorCode() + ".");
        } catch (SdkClientException e) {
            throw new FptrFailure.Unavailable("AWS Secrets Manager could not be reached to read the FPTR credentials.", null, e);
        }
        if (secretString == null) {
            throw new FptrFailure.Misconfigured("The secret '" + secretId + "' has no SecretString; it must be JSON "
                    + FptrSecret.SHAPE + ".");
        }
        FptrSecret secret = parse(mapper, secretId, secretString);
        if (secret.notConfigured() != null && FptrSecret.present(secret.siteUrl()).isEmpty()) {
            throw new FptrFailure.Misconfigured("The secret '" + secretId + "' still holds the template's placeholder: the "
                    + "FPTR credentials were never set. Put them with aws secretsmanager put-secret-value --secret-id "
                    + secretId + " --secret-string '" + FptrSecret.SHAPE + "' (README, Deploy).");
        }
        LOG.infof("Read the FPTR credentials from secret %s", secretId);
        return credentials("secret '" + secretId + "'", secret.siteUrl(),
                FptrSecret.present(secret.scriptName()), FptrSecret.present(secret.scriptKey()),
                FptrSecret.present(secret.login()), FptrSecret.present(secret.password()),
                "\"script_name\"/\"script_key\" or \"login\"/\"password\"");
    }

    /** The secret's JSON as a record. Jackson's own messages quote the text they choke on: never passed on. */
    static FptrSecret parse(ObjectMapper mapper, String secretId, String secretString) {
        try {
            FptrSecret secret = mapper.readValue(secretString, FptrSecret.class);
            if (secret == null) {
                throw new FptrFailure.Misconfigured("The secret '" + secretId + "' must be a JSON object " + FptrSecret.SHAPE + ".");
            }
            return secret;
        } catch (MismatchedInputException e) {
            String key = e.getPath().isEmpty() ? null : e.getPath().get(0).getFieldName();
            throw new FptrFailure.Misconfigured(key == null
                    ? "The secret '" + secretId + "' must be a JSON object " + FptrSecret.SHAPE + "."
                    : "In the secret '" + secretId + "', \"" + key + "\" must be a string.");
        } catch (JsonProcessingException e) {
            throw new FptrFailure.Misconfigured("The secret '" + secretId + "' is not JSON; it must be " + FptrSecret.SHAPE + ".");
        }
    }

    private static FptrCredentials credentials(String origin, String site, Optional<String> scriptName,
                                               Optional<String> scriptKey, Optional<String> login,
                                               Optional<String> password, String expectedKeys) {
        if (site == null || site.isBlank()) {
            throw new FptrFailure.Misconfigured("The FPTR site URL is missing from the " + origin + ".");
        }
        URI siteUrl = siteUrl(site, origin);
        if (scriptName.isPresent() && scriptKey.isPresent()) {
            return new FptrCredentials(siteUrl, FptrCredentials.Grant.SCRIPT, scriptName.get(), scriptKey.get());
        }
        if (login.isPresent() && password.isPresent()) {
            return new FptrCredentials(siteUrl, FptrCredentials.Grant.USER, login.get(), password.get());
        }
        throw new FptrFailure.Misconfigured("The FPTR credentials in the " + origin + " are incomplete: expected "
                + expectedKeys + ".");
    }

    /**
     * The site as an {@code https} URL of the host alone (FPTR's REST API is under its root); plain {@code http}
     * only on a loopback address (the simulator, a local proxy), since the script key and every token would
     * otherwise travel in clear.
     */
    static URI siteUrl(String site, String origin) {
        URI uri;
        try {
            uri = new URI(site.endsWith("/") ? site.substring(0, site.length() - 1) : site);
        } catch (URISyntaxException e) {
            uri = null;
        }
        if (uri == null || uri.getScheme() == null || uri.getHost() == null
                || !(uri.getScheme().equalsIgnoreCase("https") || uri.getScheme().equalsIgnoreCase("http"))) {
            throw new FptrFailure.Misconfigured("The FPTR site URL in the " + origin + " is not an https URL: '" + site + "'.");
        }
        if (!(uri.getRawPath() == null || uri.getRawPath().isEmpty()) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            // e.g. a page's URL copied from the browser: the REST paths would be sent under it, to pages FPTR does not serve
            throw new FptrFailure.Misconfigured("The FPTR site URL in the " + origin + " must be the site's address alone, "
                    + "such as https://" + uri.getHost() + ", without a path, query or fragment.");
        }
        if (uri.getScheme().equalsIgnoreCase("http") && !isLoopback(uri.getHost())) {
            throw new FptrFailure.Misconfigured("The FPTR site URL in the " + origin + " is http://, so the script key and "
                    + "every token would travel in clear: use https://" + uri.getHost() + " (plain http is "
                    + "only for a loopback address such as 127.0.0.1).");
        }
        return uri;
    }

    /** {@code localhost}, {@code 127.x.x.x} or {@code [::1]}, as written: no name is looked up. */
    static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost") || host.equals("[::1]")) {
            return true;
        }
        String[] octets = host.split("\\.", -1);
        if (octets.length != 4 || !octets[0].equals("127")) {
            return false;
        }
        for (String octet : octets) {
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(octet) > 255) {
                return false;
            }
        }
        return true;
    }
}
