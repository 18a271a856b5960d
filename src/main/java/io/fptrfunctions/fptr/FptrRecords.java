package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;

/** FPTR's record values: JSON:API envelopes into the flat dicts the Python API returns, image placeholders. */
public final class FptrRecords {

    /**
     * The part of FPTR's stand-in URL while it still makes an image's thumbnail
     * ({@code <site>/images/status/transient/thumbnail_pending.png}); the Python API's docs say to match
     * this part, not the whole URL.
     */
    private static final String PENDING_IMAGE = "/images/status/transient/";

    private FptrRecords() {
    }

    /** True when an image field's value is FPTR's "thumbnail pending" placeholder, not the image. */
    public static boolean isPendingImage(JsonNode image) {
        return image != null && image.isTextual() && isPendingImage(image.textValue());
    }

    /** The same for the field's value as text. */
    public static boolean isPendingImage(String image) {
        return image != null && image.contains(PENDING_IMAGE);
    }

    /**
     * {@code {"type","id","attributes":{...},"relationships":{"f":{"data":...}}}} →
     * {@code {"type","id", <attributes>..., <relationship>: <its data>...}}. Entity links keep FPTR's
     * {@code {"type","id","name"}} shape; an empty single link is null, an empty multi link {@code []}.
     * Dotted attributes ({@code entity.Shot.code}) stay literal keys, as FPTR sends them.
     */
    public static ObjectNode flatten(JsonNode record) {
        ObjectNode flat = JsonNodeFactory.instance.objectNode();
        if (record == null || !record.isObject()) {
            return flat;
        }
        if (record.has("type")) {
            flat.set("type", record.get("type"));
        }
        if (record.has("id")) {
            flat.set("id", record.get("id"));
        }
        JsonNode attributes = record.path("attributes");
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            flat.set(field.getKey(), field.getValue());
        }
        JsonNode relationships = record.path("relationships");
        for (Iterator<Map.Entry<String, JsonNode>> it = relationships.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode data = field.getValue().get("data");
            flat.set(field.getKey(), data == null ? JsonNodeFactory.instance.nullNode() : data);
        }
        return flat;
    }
}
