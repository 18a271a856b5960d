package io.fptrfunctions.sim;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.fptrfunctions.sim.DataType.CHECKBOX;
import static io.fptrfunctions.sim.DataType.COLOR;
import static io.fptrfunctions.sim.DataType.DATE;
import static io.fptrfunctions.sim.DataType.DATE_TIME;
import static io.fptrfunctions.sim.DataType.DURATION;
import static io.fptrfunctions.sim.DataType.ENTITY;
import static io.fptrfunctions.sim.DataType.IMAGE;
import static io.fptrfunctions.sim.DataType.LIST;
import static io.fptrfunctions.sim.DataType.MULTI_ENTITY;
import static io.fptrfunctions.sim.DataType.NUMBER;
import static io.fptrfunctions.sim.DataType.PIVOT_COLUMN;
import static io.fptrfunctions.sim.DataType.SERIALIZABLE;
import static io.fptrfunctions.sim.DataType.STATUS_LIST;
import static io.fptrfunctions.sim.DataType.TAG_LIST;
import static io.fptrfunctions.sim.DataType.TEXT;
import static io.fptrfunctions.sim.DataType.URL;

/**
 * The entity schema of the simulated site. The default schema holds the entity types and fields our
 * functions and the recorded responses use, with FPTR's names and data types (Asset's fields are exactly
 * those of the recorded {@code fields=*} reads).
 */
public final class SimSchema {

    static final String[] USERS = {"HumanUser", "ApiUser"};
    static final String[] LINKABLE = {"Project", "Sequence", "Shot", "Asset", "Version", "Task", "Playlist",
            "Note", "HumanUser", "ApiUser", "Group", "Attachment", "Step"};

    private final Map<String, EntityDef> byName = new LinkedHashMap<>();
    private final Map<String, EntityDef> byKey = new ConcurrentHashMap<>();

    public EntityDef define(String name, String displayField, boolean projectScoped) {
        EntityDef def = new EntityDef(name, displayField, projectScoped);
        def.addServer("id", NUMBER);
        byName.put(name, def);
        byKey.put(name.toLowerCase(Locale.ROOT), def);
        byKey.put(def.slug, def);
        return def;
    }

    /** Resolves a path segment: schema name ({@code HumanUser}, any case) or plural slug ({@code human_users}). */
    public EntityDef resolve(String segment) {
        if (segment == null) {
            return null;
        }
        EntityDef exact = byName.get(segment);
        return exact != null ? exact : byKey.get(segment.toLowerCase(Locale.ROOT));
    }

    /** Exact schema name only (as used inside filters and entity links). */
    public EntityDef byName(String name) {
        return name == null ? null : byName.get(name);
    }

    public Collection<EntityDef> types() {
        return Collections.unmodifiableCollection(byName.values());
    }

    /** Undoes what the schema API changed (on {@code POST /_sim/reset}). */
    void resetSchemaChanges() {
        byName.values().forEach(EntityDef::resetSchemaChanges);
    }

    /** Adds the fields every FPTR entity has; call after the type's own fields. */
    private static EntityDef common(EntityDef d) {
        d.addServer("cached_display_name", TEXT)
                .addServer("created_at", DATE_TIME)
                .addServer("updated_at", DATE_TIME)
                .addServer("created_by", ENTITY, USERS)
                .addServer("updated_by", ENTITY, USERS);
        if (d.projectScoped) {
            d.add("project", ENTITY, "Project");
        }
        return d;
    }

    public static SimSchema defaultSchema() {
        SimSchema s = new SimSchema();

        common(s.define("Project", "name", false)
                .add("name", TEXT).add("code", TEXT).add("sg_description", TEXT)
                .addWithDefault("sg_status", LIST, r -> "Active").add("sg_type", LIST)
                .add("image", IMAGE).add("archived", CHECKBOX).add("is_template", CHECKBOX)
                .add("tank_name", TEXT).add("start_date", DATE).add("end_date", DATE)
                .add("users", MULTI_ENTITY, "HumanUser").add("attachments", MULTI_ENTITY, "Attachment"));

        // name is FPTR's display name of a person, derived from firstname and lastname (SimStore.refreshDisplayName)
        common(s.define("HumanUser", "name", false)
                .addServer("name", TEXT).add("firstname", TEXT).add("lastname", TEXT).add("login", TEXT)
                .add("email", TEXT).addWithDefault("sg_status_list", STATUS_LIST, r -> "act")
                .add("image", IMAGE).add("file_access", CHECKBOX).add("locked_until", DATE_TIME)
                .add("groups", MULTI_ENTITY, "Group").add("projects", MULTI_ENTITY, "Project"));

        common(s.define("ApiUser", "firstname", false)
                .add("firstname", TEXT).add("lastname", TEXT).add("description", TEXT).add("email", TEXT)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "act").add("image", IMAGE)
                .add("projects", MULTI_ENTITY, "Project"));

        common(s.define("Group", "code", false)
                .add("code", TEXT).addWithDefault("sg_status_list", STATUS_LIST, r -> "act")
                .add("users", MULTI_ENTITY, "HumanUser"));

        common(s.define("Step", "code", false)
                .add("code", TEXT).add("short_name", TEXT).add("description", TEXT).add("entity_type", TEXT)
                .add("color", COLOR).add("list_order", NUMBER));

        common(s.define("LocalStorage", "code", false)
                .add("code", TEXT).add("description", TEXT).add("mac_path", TEXT).add("linux_path", TEXT)
                .add("windows_path", TEXT).add("uses_local", CHECKBOX));

        // an omitted code becomes "New <Type> <id>" on Sequence, Shot, Version (sg-groundtruth entity_types), as on Asset
        common(s.define("Sequence", "code", true)
                .addWithDefault("code", TEXT, r -> "New Sequence " + r.id).add("description", TEXT)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "wtg")
                .add("image", IMAGE).add("filmstrip_image", IMAGE)
                .add("shots", MULTI_ENTITY, "Shot").add("assets", MULTI_ENTITY, "Asset")
                .add("tasks", MULTI_ENTITY, "Task").add("notes", MULTI_ENTITY, "Note"));

        common(s.define("Shot", "code", true)
                .addWithDefault("code", TEXT, r -> "New Shot " + r.id).add("description", TEXT)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "wtg")
                .add("image", IMAGE).add("filmstrip_image", IMAGE)
                .add("sg_cut_in", NUMBER).add("sg_cut_out", NUMBER).add("sg_cut_duration", NUMBER)
                .add("head_in", NUMBER).add("tail_out", NUMBER).add("sg_shot_type", LIST)
                .add("sg_sequence", ENTITY, "Sequence").add("assets", MULTI_ENTITY, "Asset")
                .add("tasks", MULTI_ENTITY, "Task").add("notes", MULTI_ENTITY, "Note")
                .add("parent_shots", MULTI_ENTITY, "Shot"));

        // Asset: the attribute fields of the recorded fields=* reads, in their order.
        EntityDef asset = s.define("Asset", "code", true)
                .add("image", IMAGE).add("description", TEXT).add("step_0", PIVOT_COLUMN)
                .addServer("cached_display_name", TEXT).addServer("updated_at", DATE_TIME)
                .add("filmstrip_image", IMAGE).add("image_blur_hash", TEXT).addServer("created_at", DATE_TIME)
                .add("sg_keep", CHECKBOX).add("sg_asset_type", LIST)
                .addWithDefault("code", TEXT, r -> "New Asset " + r.id)
                .add("sg_outsource", CHECKBOX).add("sg_creative_brief", URL);
        for (String step : new String[]{"step_13", "step_129", "step_16", "step_137", "step_15", "step_14"}) {
            asset.add(step, PIVOT_COLUMN);
        }
        asset.addWithDefault("open_notes_count", NUMBER, r -> 0L)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "wtg");
        for (String step : new String[]{"step_32", "step_130", "step_131", "step_132"}) {
            asset.add(step, PIVOT_COLUMN);
        }
        asset.add("shots", MULTI_ENTITY, "Shot").add("parents", MULTI_ENTITY, "Asset")
                .add("assets", MULTI_ENTITY, "Asset").add("tasks", MULTI_ENTITY, "Task")
                .add("task_template", ENTITY, "TaskTemplate").add("notes", MULTI_ENTITY, "Note")
                .add("sequences", MULTI_ENTITY, "Sequence");
        common(asset);

        common(s.define("Task", "content", true)
                .add("content", TEXT).addWithDefault("sg_status_list", STATUS_LIST, r -> "wtg")
                .add("entity", ENTITY, "Shot", "Asset", "Sequence", "Project")
                .add("step", ENTITY, "Step").add("task_assignees", MULTI_ENTITY, "HumanUser", "Group")
                .add("start_date", DATE).add("due_date", DATE).add("duration", DURATION)
                .add("est_in_mins", DURATION).add("image", IMAGE).add("notes", MULTI_ENTITY, "Note"));

        common(s.define("Version", "code", true)
                .addWithDefault("code", TEXT, r -> "New Version " + r.id).add("description", TEXT)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "rev")
                .add("image", IMAGE).add("filmstrip_image", IMAGE)
                .add("entity", ENTITY, "Shot", "Asset", "Sequence", "Project")
                .add("sg_task", ENTITY, "Task").add("user", ENTITY, USERS)
                .add("sg_path_to_movie", TEXT).add("sg_path_to_frames", TEXT)
                .add("sg_uploaded_movie", URL).add("sg_first_frame", NUMBER).add("sg_last_frame", NUMBER)
                .add("frame_count", NUMBER).add("frame_range", TEXT).add("sg_version_type", LIST)
                .add("playlists", MULTI_ENTITY, "Playlist").add("notes", MULTI_ENTITY, "Note")
                .add("tag_list", TAG_LIST).add("attachments", MULTI_ENTITY, "Attachment"));

        common(s.define("Note", "subject", true)
                .add("subject", TEXT).add("content", TEXT)
                .addWithDefault("sg_status_list", STATUS_LIST, r -> "opn")
                .add("sg_note_type", LIST).add("image", IMAGE).add("client_note", CHECKBOX)
                .add("user", ENTITY, USERS)
                .add("note_links", MULTI_ENTITY, LINKABLE)
                .add("addressings_to", MULTI_ENTITY, "HumanUser", "Group")
                .add("addressings_cc", MULTI_ENTITY, "HumanUser", "Group")
                .add("tasks", MULTI_ENTITY, "Task").add("attachments", MULTI_ENTITY, "Attachment")
                .add("tag_list", TAG_LIST));

        common(s.define("Attachment", "this_file", true)
                .add("this_file", URL).add("filename", TEXT).add("file_size", NUMBER)
                .add("description", TEXT).add("image", IMAGE).add("processing_status", TEXT)
                .add("sg_type", LIST).add("attachment_links", MULTI_ENTITY, LINKABLE)
                .add("tag_list", TAG_LIST));

        common(s.define("Playlist", "code", true)
                .add("code", TEXT).add("description", TEXT).add("locked", CHECKBOX)
                .add("sg_date_and_time", DATE_TIME).add("image", IMAGE)
                .add("versions", MULTI_ENTITY, "Version").add("notes", MULTI_ENTITY, "Note"));

        // FPTR's event log, read-only: EventLog writes its rows (fields as the python-api wiki's "Event Types"
        // page and the webhook payload, notes §5, name them)
        s.define(EventLog.TYPE, "description", false)
                .addServer("event_type", TEXT).addServer("attribute_name", TEXT).addServer("description", TEXT)
                .addServer("entity", ENTITY, LINKABLE).addServer("project", ENTITY, "Project")
                .addServer("user", ENTITY, USERS).addServer("meta", SERIALIZABLE).addServer("session_uuid", TEXT)
                .addServer("cached_display_name", TEXT).addServer("created_at", DATE_TIME);

        // Entity types that exist only so links to them validate.
        common(s.define("TaskTemplate", "code", false).add("code", TEXT).add("entity_type", TEXT));
        return s;
    }

}
