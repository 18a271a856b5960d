package io.fptrfunctions.localfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fptrfunctions.deadline.Deadline;
import io.fptrfunctions.fptr.FieldSchemas;
import io.fptrfunctions.fptr.FptrClient;
import io.fptrfunctions.fptr.FptrFailure;
import io.fptrfunctions.fptr.FptrFilter;
import io.fptrfunctions.fptr.FptrRecords;
import io.fptrfunctions.http.ProblemException;
import io.fptrfunctions.http.Problems;
import io.fptrfunctions.idempotency.WriteAttempt;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Reads, sets and unsets local file links in FPTR file/link ({@code url}) fields and creates
 * Attachments, checking paths against the site's LocalStorages first. Plain Java: no Lambda types.
 *
 * <p>Writes are sent once. When the answer to a write is lost (connection cut, timeout) the write is
 * not repeated, because a repeat mints a second Attachment row on the site; the field is read back
 * instead and the caller is told whether the write landed.
 */
@ApplicationScoped
public class LocalFileService {

    private static final Logger LOG = Logger.getLogger(LocalFileService.class);
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** How far back a lost Attachment create is looked for: clock skew between us and FPTR. */
    private static final long CREATE_LOOKBACK_SECONDS = 5;

    @Inject
    FptrClient fptr;

    @Inject
    LocalStorageCatalog storages;

    @Inject
    FieldSchemas fieldSchemas;

    @Inject
    Clock clock;

    /** The field's value as FPTR stores it, plus {@code local_path}/{@code url} for a local link; JSON null when empty. */
    public JsonNode read(EntityField target, Platform platform, Deadline deadline) {
        requireFileField(target, deadline);
        return present(currentValue(target, deadline), platform);
    }

    /** Stores a local link; answers the value FPTR returned from the write. */
    public JsonNode set(EntityField target, LinkRequest link, Platform platform, WriteAttempt attempt, Deadline deadline) {
        refuseThisFile(target, "changed");
        requireFileField(target, deadline);
        PreparedLink prepared = prepare(link, platform, deadline);
        String what = "set " + target;
        Optional<JsonNode> earlier = landedEarlier(attempt, what, since -> reread(target, prepared::isStoredIn, deadline));
        if (earlier.isPresent()) {
            return present(earlier.get(), platform);
        }
        ObjectNode update = JSON.objectNode();
        update.set(target.field(), prepared.value());
        JsonNode record = write(attempt, () -> fptr.update(deadline, target.type(), target.id(), update),
                () -> reread(target, prepared::isStoredIn, deadline), what);
        return present(storedField(record, target, deadline), platform);
    }

    /** Clears the field (FPTR: null); answers the now empty value. */
    public JsonNode unset(EntityField target, Platform platform, WriteAttempt attempt, Deadline deadline) {
        refuseThisFile(target, "cleared");
        requireFileField(target, deadline);
        String what = "unset " + target;
        Predicate<JsonNode> empty = stored -> stored == null || stored.isNull();
        Optional<JsonNode> earlier = landedEarlier(attempt, what, since -> reread(target, empty, deadline));
        if (earlier.isPresent()) {
            return present(earlier.get(), platform);
        }
        ObjectNode update = JSON.objectNode();
        update.putNull(target.field());
        JsonNode record = write(attempt, () -> fptr.update(deadline, target.type(), target.id(), update),
                () -> reread(target, empty, deadline), what);
        return present(storedField(record, target, deadline), platform);
    }

    /** Creates an Attachment holding a local or web link; answers the created record. */
    public JsonNode createAttachment(AttachmentRequest request, Platform platform, WriteAttempt attempt, Deadline deadline) {
        PreparedLink prepared = prepare(request.thisFile(), platform, deadline);
        long projectId = request.projectId() != null ? request.projectId() : projectIdByName(request.projectName(), deadline);

        ObjectNode create = JSON.objectNode();
        create.set("project", FptrFilter.entity("Project", projectId));
        create.set("this_file", prepared.value());
        if (request.attachmentLinks() != null) {
            ArrayNode links = create.putArray("attachment_links");
            request.attachmentLinks().forEach(l -> links.add(FptrFilter.entity(l.type(), l.id())));
        }
        if (request.description() != null) {
            create.put("description", request.description());
        }
        if (request.tagList() != null) {
            ArrayNode tags = create.putArray("tag_list");
            request.tagList().forEach(tags::add);
        }
        String what = "create Attachment";
        Optional<JsonNode> earlier = landedEarlier(attempt, what, since -> findCreatedAttachment(projectId, since, prepared, deadline));
        ObjectNode attachment;
        if (earlier.isPresent()) {
            attachment = theOneCreated((ArrayNode) earlier.get());
        } else {
            Instant sentAt = clock.instant();
            attachment = FptrRecords.flatten(write(attempt, () -> fptr.create(deadline, "Attachment", create),
                    () -> findCreatedAttachment(projectId, sentAt, prepared, deadline), what));
        }
        if (attachment.has("this_file")) {
            attachment.set("this_file", present(attachment.get("this_file"), platform));
        }
        return attachment;
    }

    // ---- links ----------------------------------------------------------------------------------

    /** The value to send for a link, after checking it against the LocalStorages (422 when it fits none). */
    private PreparedLink prepare(LinkRequest link, Platform platform, Deadline deadline) {
        ObjectNode value = JSON.objectNode();
        if (link instanceof LinkRequest.LocalPath local) {
            // FPTR refuses backslashes in local_path; a Windows path is sent with forward slashes,
            // which FPTR matches against the windows root (sg-groundtruth 058).
            StorageMatch match = storages.match(deadline, LocalStorageMatcher.normalizePath(local.path()))
                    .orElseThrow(() -> underNoRoot(local.path(), platform, deadline));
            String sent = match.sentPath();
            value.put("local_path", sent);
            putNameAndType(value, link);
            return new PreparedLink(link, value, match.storage().id(), sent);
        }
        if (link instanceof LinkRequest.Relative relative) {
            LocalStorage storage = storages.find(deadline, relative.storage())
                    .orElseThrow(() -> unknownStorage(relative.storage(), platform, deadline));
            value.put("relative_path", relative.relativePath());
            value.set("local_storage", FptrFilter.entity("LocalStorage", storage.id()));
            putNameAndType(value, link);
            return new PreparedLink(link, value, storage.id(), null);
        }
        LinkRequest.Web web = (LinkRequest.Web) link;
        value.put("url", web.url());
        putNameAndType(value, link);
        return new PreparedLink(link, value, null, null);
    }

    private static void putNameAndType(ObjectNode value, LinkRequest link) {
        value.put("name", link.name());
        if (link.contentType() != null) {
            value.put("content_type", link.contentType());
        }
    }

    /** What was sent, and how to recognise it in the field when the write's answer was lost. */
    record PreparedLink(LinkRequest link, ObjectNode value, Long storageId, String sentPath) {

        boolean isStoredIn(JsonNode stored) {
            if (stored == null || !stored.isObject() || !link.name().equals(stored.path("name").asText(null))) {
                return false;
            }
            if (link instanceof LinkRequest.Web web) {
                return "web".equals(stored.path("link_type").asText()) && web.url().equals(stored.path("url").asText());
            }
            if (!"local".equals(stored.path("link_type").asText())) {
                return false;
            }
            if (link instanceof LinkRequest.Relative relative) {
                return storageId.equals(stored.path("local_storage").path("id").asLong())
                        && relative.relativePath().equals(stored.path("relative_path").asText());
            }
            // sent as local_path: FPTR picked the storage; the path must be one of the stored platform paths
            for (Platform p : Platform.values()) {
                String path = stored.path(p.localPathKey()).asText(null);
                if (path == null) {
                    continue;
                }
                if (p == Platform.WINDOWS ? LocalStorageMatcher.normalizePath(path).equalsIgnoreCase(sentPath)
                        : path.equals(sentPath)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * The 422 for a path under no root, listing the roots of the platform the path is written for: a Windows
     * path ({@code Q:\...}, {@code \\server\...}) gets the windows roots whatever {@code ?platform} says; a
     * mac or linux path those of {@code ?platform} (linux when it asks for windows).
     */
    private ProblemException underNoRoot(String path, Platform asked, Deadline deadline) {
        Platform platform = LocalStorageMatcher.looksWindows(path) ? Platform.WINDOWS
                : asked == Platform.WINDOWS ? Platform.LINUX : asked;
        List<Object> roots = new ArrayList<>();
        StringBuilder listed = new StringBuilder();
        for (LocalStorage s : storages.storages(deadline)) {
            String root = s.root(platform);
            if (root == null) {
                continue;
            }
            ObjectNode r = JSON.objectNode();
            r.set("local_storage", storageLink(s));
            r.put("path", root);
            roots.add(r);
            listed.append(listed.length() == 0 ? "" : ", ").append(s.code()).append(" = ").append(root);
        }
        return ProblemException.unprocessable("Path " + path + " is under no LocalStorage root, so FPTR would refuse it; "
                        + "nothing was written. " + (roots.isEmpty()
                        ? "No LocalStorage defines a " + platform.key() + " root."
                        : "Roots for " + platform.key() + ": " + listed + ".")
                        + " Pick a path under one of them" + (platform == Platform.WINDOWS ? "."
                        : "; ?platform=" + (platform == Platform.MAC ? "linux" : "mac") + " lists that platform's roots."))
                .with("platform", platform.key())
                .with("roots", roots);
    }

    private ProblemException unknownStorage(LinkRequest.StorageRef ref, Platform platform, Deadline deadline) {
        List<Object> known = new ArrayList<>();
        StringBuilder listed = new StringBuilder();
        for (LocalStorage s : storages.storages(deadline)) {
            ObjectNode r = storageLink(s);
            r.put("path", s.root(platform));
            known.add(r);
            listed.append(listed.length() == 0 ? "" : ", ").append(s.code()).append(" (id ").append(s.id()).append(')');
        }
        return ProblemException.unprocessable("LocalStorage " + ref + " does not exist; nothing was written. "
                        + (known.isEmpty() ? "The site has no LocalStorage." : "Storages: " + listed + "."))
                .with("platform", platform.key())
                .with("local_storages", known);
    }

    // ---- fields -------------------------------------------------------------------------------------

    private void requireFileField(EntityField target, Deadline deadline) {
        String dataType = fieldSchemas.dataType(deadline, target.type(), target.field());
        if (!"url".equals(dataType)) {
            throw ProblemException.badRequest(target.type() + "." + target.field() + " is " + article(dataType)
                    + " field, not a file/link field (FPTR data type 'url'): local file links can only be stored "
                    + "in file/link fields such as PublishedFile.path or Version.sg_uploaded_movie.")
                    .with("data_type", dataType);
        }
    }

    private static void refuseThisFile(EntityField target, String verb) {
        if (target.isAttachmentThisFile()) {
            throw ProblemException.conflict("Attachment.this_file cannot be " + verb + " once the Attachment exists "
                    + "(FPTR: \"editable on create only\"). Create a new Attachment with the file instead: "
                    + "POST /v1/attachments with {\"project\", \"this_file\", \"attachment_links\"}.");
        }
    }

    private static String article(String dataType) {
        if (dataType == null) {
            return "an unknown-type";
        }
        return ("aeiou".indexOf(dataType.charAt(0)) >= 0 ? "an " : "a ") + dataType;
    }

    /** The field from a write's answer; FPTR returns the whole record, but a missing key is read back. */
    private JsonNode storedField(JsonNode record, EntityField target, Deadline deadline) {
        ObjectNode flat = FptrRecords.flatten(record);
        if (flat.has(target.field())) {
            return flat.get(target.field());
        }
        LOG.warnf("FPTR's answer to the write of %s had no '%s'; reading it back", target, target.field());
        return currentValue(target, deadline);
    }

    /** The field as stored now: {@code GET /entity/{type}/{id}?fields={field}} (a missing record is FPTR's 404). */
    private JsonNode currentValue(EntityField target, Deadline deadline) {
        JsonNode value = FptrRecords.flatten(fptr.read(deadline, target.type(), target.id(), List.of(target.field())))
                .get(target.field());
        return value == null ? NullNode.instance : value;
    }

    /**
     * Python-API style extras on a local link: {@code local_path} = {@code local_path_<platform>} and
     * {@code url} = {@code file://} + it (null when the storage has no root for that platform, where the
     * Python API would give a bare {@code "file://"}). Other values pass through untouched.
     */
    static JsonNode present(JsonNode value, Platform platform) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return NullNode.instance;
        }
        if (!value.isObject() || !"local".equals(value.path("link_type").asText())) {
            return value;
        }
        ObjectNode copy = ((ObjectNode) value).deepCopy();
        JsonNode local = value.get(platform.localPathKey());
        if (local == null || local.isNull()) {
            copy.putNull("local_path");
            copy.putNull("url");
        } else {
            copy.put("local_path", local.asText());
            copy.put("url", "file://" + local.asText());
        }
        return copy;
    }

    // ---- writes ---------------------------------------------------------------------------------------

    /** What a re-read after a lost write found. */
    record Outcome(String verdict, JsonNode found) {
        static final String LANDED = "landed";
        static final String NOT_LANDED = "not_landed";
        static final String UNKNOWN = "unknown";
    }

    /**
     * Sends a write once, telling {@code attempt} (the Idempotency-Key's record) when it is sent and when
     * it landed. When its answer is lost the write is not repeated (a repeat mints a second Attachment);
     * {@code reread} looks at FPTR instead and the caller gets a problem saying whether it landed.
     */
    private JsonNode write(WriteAttempt attempt, Supplier<JsonNode> call, Supplier<Outcome> reread, String what) {
        try {
            attempt.sending();
            JsonNode answer = call.get();
            attempt.landed();
            return answer;
        } catch (FptrFailure.WriteOutcomeUnknown lost) {
            LOG.warnf("FPTR's answer to '%s' was lost (%s: %s); not repeating it, reading back", what, lost.lost(), lost.getMessage());
            Outcome outcome;
            try {
                outcome = reread.get();
            } catch (FptrFailure rereadFailed) {
                LOG.warnf("Read-back after the lost answer to '%s' failed too: %s", what, rereadFailed.getMessage());
                outcome = null;
            }
            throw outcomeUnknown(what, lost, outcome);
        } catch (FptrFailure.Refused refused) {
            if (refused.kind() == FptrFailure.Refused.Kind.NO_LOCAL_STORAGE) {
                storages.invalidate(); // FPTR knows a storage change this cache has not seen yet
            }
            throw refused;
        }
    }

    /**
     * When an earlier attempt under the same Idempotency-Key stopped without finishing (its process died,
     * or its answer was lost and whether it landed was unknown), it may have written: {@code look} reads
     * FPTR from that attempt's start, and what it found is the answer when the write is there, so it is
     * not sent twice. Empty for a first attempt, or when FPTR does not hold the write: then it is sent.
     */
    private Optional<JsonNode> landedEarlier(WriteAttempt attempt, String what, Function<Instant, Outcome> look) {
        return attempt.earlierAttemptStartedAt().map(since -> {
            Outcome earlier = look.apply(since);
            LOG.infof("'%s': an earlier attempt under the same Idempotency-Key (started %s) did not finish; FPTR %s",
                    what, since, earlier.verdict().equals(Outcome.LANDED) ? "holds its write, so it is not sent again"
                            : "does not hold it, so it is sent");
            return earlier.verdict().equals(Outcome.LANDED) ? earlier.found() : null;
        });
    }

    /**
     * The Attachment an earlier attempt created. More than one with this file created in the project since
     * (another caller's too) is a 409 that lists them: FPTR holds what was asked ({@code write_outcome}
     * {@code landed}, so the key keeps this answer), but which row is this request's is unknown.
     */
    private static ObjectNode theOneCreated(ArrayNode found) {
        if (found.size() == 1) {
            return (ObjectNode) found.get(0);
        }
        throw ProblemException.conflict("An earlier attempt under this Idempotency-Key did not finish, and " + found.size()
                        + " Attachments with this file were created in the project since it started, so which one is its own "
                        + "is unknown. Nothing was written now; see 'created', and do not send it again.")
                .with("write_outcome", Outcome.LANDED).with("created", found);
    }

    private Outcome reread(EntityField target, Predicate<JsonNode> holdsIt, Deadline deadline) {
        JsonNode value = currentValue(target, deadline);
        return new Outcome(holdsIt.test(value) ? Outcome.LANDED : Outcome.NOT_LANDED, value);
    }

    /** Attachments this call may have created: same project, made since just before the call, same file. */
    private Outcome findCreatedAttachment(long projectId, Instant sentAt, PreparedLink prepared, Deadline deadline) {
        ObjectNode filter = FptrFilter.and(
                FptrFilter.condition("project", "is", FptrFilter.entity("Project", projectId)),
                FptrFilter.condition("created_at", "greater_than",
                        DateTimeFormatter.ISO_INSTANT.format(sentAt.minusSeconds(CREATE_LOOKBACK_SECONDS).truncatedTo(ChronoUnit.SECONDS))));
        List<JsonNode> rows = fptr.searchAll(deadline, "Attachment", filter,
                List.of("this_file", "project", "created_at", "attachment_links", "description", "tag_list"), "id", null).rows();
        ArrayNode found = JSON.arrayNode();
        for (JsonNode row : rows) {
            ObjectNode flat = FptrRecords.flatten(row);
            if (prepared.isStoredIn(flat.get("this_file"))) {
                found.add(flat);
            }
        }
        return new Outcome(found.isEmpty() ? Outcome.NOT_LANDED : Outcome.LANDED, found);
    }

    /**
     * The shared "FPTR's answer was lost" answer (504 when FPTR did not answer in time, 502 when the
     * connection broke or FPTR's front answered a gateway error), worded for this function's contract: no
     * Retry-After, because whether to send the write again depends on {@code write_outcome}, which the
     * re-read decides:
     * <ul>
     *   <li>{@code landed}: FPTR holds what was asked;</li>
     *   <li>{@code not_landed}: it does not, and the connection was cut (FPTR finished or never got the
     *       request, so nothing is still in flight);</li>
     *   <li>{@code unknown}: it does not hold it yet but may still be applying it (timeout, gateway
     *       error), or the re-read failed too.</li>
     * </ul>
     */
    private static ProblemException outcomeUnknown(String what, FptrFailure.WriteOutcomeUnknown lost, Outcome reread) {
        String verdict;
        String sentence;
        if (reread == null) {
            verdict = Outcome.UNKNOWN;
            sentence = "The read-back failed too, so whether it landed is still unknown: read it before sending it again.";
        } else if (reread.verdict().equals(Outcome.LANDED)) {
            verdict = Outcome.LANDED;
            sentence = "A read-back shows it landed: FPTR holds what was asked. Do not send it again.";
        } else if (lost.lost() == FptrFailure.WriteOutcomeUnknown.Lost.CUT) {
            verdict = Outcome.NOT_LANDED;
            sentence = "A read-back shows it did not land: FPTR does not hold what was asked. It is safe to send it again.";
        } else {
            verdict = Outcome.UNKNOWN;
            sentence = "A read-back does not show it, but FPTR may still be applying it, so whether it landed is still "
                    + "unknown: read it again in a minute before sending it again.";
        }
        String how = switch (lost.lost()) {
            case CUT -> "cut off";
            case TIMEOUT -> "not received in time";
            case GATEWAY -> "a gateway error";
        };
        ProblemException p = Problems.of(lost).withDetail("The outcome of the write is unknown: FPTR's answer to '" + what
                + "' was " + how + ". The write was not repeated, because a repeat would mint a second Attachment on the "
                + "site. " + sentence);
        p.with("write_outcome", verdict);
        if (reread != null && reread.found() != null) {
            p.with(reread.found().isArray() ? "created" : "current_value", reread.found());
        }
        return p;
    }

    private long projectIdByName(String name, Deadline deadline) {
        List<JsonNode> rows = fptr.searchPage(deadline, "Project", FptrFilter.and(FptrFilter.condition("name", "is", name)),
                List.of("name"), "id", 2, 1);
        if (rows.isEmpty()) {
            throw ProblemException.unprocessable("No Project is named '" + name + "'; nothing was written. Give the project's id.");
        }
        if (rows.size() > 1) {
            throw ProblemException.unprocessable("More than one Project is named '" + name + "'; nothing was written. Give the project's id.");
        }
        return rows.get(0).path("id").asLong();
    }

    private static ObjectNode storageLink(LocalStorage s) {
        ObjectNode e = FptrFilter.entity("LocalStorage", s.id());
        e.put("name", s.code());
        return e;
    }
}
