package io.fptrfunctions;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secrets canary: every test of the build runs under it (registered for all of them through
 * {@code META-INF/services} and the surefire system property {@code junit.jupiter.extensions.autodetection.enabled}), with the tests' FPTR script key and
 * webhook secrets set to canary values and our code, the REST client and the AWS SDK's request log at
 * DEBUG ({@code %test} in application.properties). Every log line written while a test runs, its
 * exception and stack trace included, from any logger but the simulator's own, is searched for
 * <ul>
 *   <li>the canary values ({@value #MARK}...: the script key, the webhook secrets),</li>
 *   <li>an FPTR access token (JWT-shaped, as the simulator mints them; a {@code Bearer} header),</li>
 *   <li>a storage signature ({@code X-Amz-Signature=} and its hex),</li>
 *   <li>a webhook HMAC signature header ({@code sha1=} and 40 hex digits);</li>
 * </ul>
 * a test during which one is logged fails, naming the logger and the line with the secret masked.
 * The values are constants, not random: Quarkus loads test classes in its own class loader, where a
 * random value would differ from this one.
 */
public final class SecretsCanary implements BeforeEachCallback, AfterEachCallback {

    /** Every canary value starts with this; nothing else in a log line does. */
    public static final String MARK = "canary-";
    /** The shared simulator's script key, so the functions' credentials are a canary. */
    public static final String SCRIPT_KEY = MARK + "script-key-5f0c2b9e";
    /** The webhook tests' secret token (and its rotated versions: {@link #webhookSecret}). */
    public static final String WEBHOOK_SECRET = webhookSecret(1);

    /** What a leak looks like. Each bounded, none backtracks: they run over every line of the build. */
    static final List<Pattern> SECRETS = List.of(
            Pattern.compile(Pattern.quote(MARK) + "[A-Za-z0-9-]+"),
            Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
            Pattern.compile("X-Amz-Signature=[0-9a-fA-F]{16,}"),
            Pattern.compile("sha1=[0-9a-fA-F]{40}"));

    /** The simulator stands in for FPTR and its storage: what it logs of its own secrets is FPTR's business. */
    private static final String SIMULATOR = "io.fptrfunctions.sim";

    private static final Capture CAPTURE = new Capture();

    public static String webhookSecret(int version) {
        return MARK + "webhook-secret-" + String.format("%04d", version);
    }

    /** The secrets in a line, masked: {@code X-Amz-Signature=<hidden 64 chars>}; empty when none. */
    static List<String> secretsIn(String line) {
        List<String> found = new ArrayList<>();
        for (Pattern secret : SECRETS) {
            Matcher m = secret.matcher(line);
            while (m.find()) {
                String s = m.group();
                found.add(s.substring(0, Math.min(8, s.length())) + "<hidden " + s.length() + " chars>");
            }
        }
        return found;
    }

    /** The leaks logged since the last test started (for {@code SecretsCanaryTest}, which checks the canary itself). */
    static List<String> leaksSoFar() {
        return CAPTURE.leaks();
    }

    static void forgetLeaks() {
        CAPTURE.clear();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        CAPTURE.install();   // again each time: a Quarkus start may replace the root logger's handlers
        CAPTURE.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<String> leaks = CAPTURE.leaks();
        CAPTURE.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("A secret reached a log line during " + context.getDisplayName() + " ("
                    + leaks.size() + "):\n" + String.join("\n", leaks));
        }
    }

    /** One handler on the root logger for the whole run, keeping only the lines that hold a secret. */
    private static final class Capture extends ExtHandler {

        private final List<String> leaks = new ArrayList<>();

        Capture() {
            setLevel(Level.ALL);
        }

        synchronized void install() {
            Logger root = LogContext.getLogContext().getLogger("");
            if (!Arrays.asList(root.getHandlers()).contains(this)) {
                root.addHandler(this);
            }
        }

        @Override
        protected void doPublish(ExtLogRecord record) {
            String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
            if (logger.startsWith(SIMULATOR)) {
                return;
            }
            StringBuilder line = new StringBuilder(String.valueOf(record.getFormattedMessage()));
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                line.append('\n').append(trace);
            }
            List<String> secrets = secretsIn(line.toString());
            if (!secrets.isEmpty()) {
                String shown = line.toString();
                for (Pattern secret : SECRETS) {
                    shown = secret.matcher(shown).replaceAll("<SECRET>");
                }
                synchronized (leaks) {
                    leaks.add(record.getLevel() + " " + logger + ": " + secrets + " in: "
                            + (shown.length() > 2000 ? shown.substring(0, 2000) + "..." : shown));
                }
            }
        }

        List<String> leaks() {
            synchronized (leaks) {
                return List.copyOf(leaks);
            }
        }

        void clear() {
            synchronized (leaks) {
                leaks.clear();
            }
        }
    }
}
