package io.fptrfunctions.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fptrfunctions.fptr.FptrNames;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * One value of a request (the body, a member of it, a path or a query parameter) and where it is, read
 * into a typed value or refused with a 400 problem whose {@code pointer} member names it:
 * <ul>
 *   <li>in the body, a JSON Pointer (RFC 6901): {@code /linked/1/type}, {@code /limit};</li>
 *   <li>a path parameter: {@code {type}}; a query parameter: {@code ?platform}; a header:
 *       {@code X-SG-Delivery-Id:} (its name, as the route documents it, and a colon).</li>
 * </ul>
 * Every function reads its requests this way, so every refusal looks alike. Reads are strict: a string
 * is not a number, {@code 2.5} is not a whole number, an unknown key is a mistake. Limits are given per
 * read ({@link #text(int)}, {@link #list(int)}), so each field declares its own; every read is linear in
 * the size of the value (no regular expression walks caller input), and a refusal quotes at most
 * {@link #quote 80 characters} of it.
 */
public final class Input {

    /** How many unknown keys a refusal names. */
    private static final int MAX_NAMED_KEYS = 5;

    private final JsonNode node;
    private final String pointer;
    private final boolean parameter;

    private Input(JsonNode node, String pointer, boolean parameter) {
        this.node = node == null ? MissingNode.getInstance() : node;
        this.pointer = pointer;
        this.parameter = parameter;
    }

    /** A JSON body (or any document read the same way): its pointer is {@code ""}. */
    public static Input of(JsonNode body) {
        return new Input(body, "", false);
    }

    static Input pathParameter(String name, String value) {
        return new Input(value == null ? null : TextNode.valueOf(value), "{" + name + "}", true);
    }

    static Input queryParameter(String name, String value) {
        return new Input(value == null ? null : TextNode.valueOf(value), "?" + name, true);
    }

    static Input header(String name, String value) {
        return new Input(value == null ? null : TextNode.valueOf(value), name + ":", true);
    }

    /**
     * Where the value is: {@code /linked/1/type}, {@code {type}}, {@code ?platform}, {@code X-SG-Delivery-Id:}
     * (a header); {@code ""} for the body.
     */
    public String pointer() {
        return pointer;
    }

    /** How a message names it: {@code 'linked/1/type'}, {@code '{type}'}, {@code the body}. */
    public String name() {
        return pointer.isEmpty() ? "the body" : "'" + (pointer.startsWith("/") ? pointer.substring(1) : pointer) + "'";
    }

    /** The value as sent (MissingNode when absent). */
    public JsonNode node() {
        return node;
    }

    /** Sent, and not JSON null. */
    public boolean isPresent() {
        return !node.isMissingNode() && !node.isNull();
    }

    /** A 400 naming this input. */
    public ProblemException invalid(String detail) {
        return ProblemException.badRequest(detail).with("pointer", pointer);
    }

    // ---- objects ----------------------------------------------------------------------------------

    /** A member of this object (absent when this is no object or lacks it). */
    public Input member(String key) {
        return new Input(node.isObject() ? node.get(key) : null, pointer + "/" + key.replace("~", "~0").replace("/", "~1"), false);
    }

    /** True when the member is present and not null. */
    public boolean has(String key) {
        return member(key).isPresent();
    }

    /** This value as an object; anything else is a 400. */
    public Input object() {
        if (!node.isObject()) {
            throw invalid(name() + " must be an object, not " + describe(node) + ".");
        }
        return this;
    }

    /** Refuses members other than {@code allowed}, naming the first unknown one and listing the keys in the given order. */
    public Input onlyKeys(Collection<String> allowed) {
        return onlyKeys(allowed, "");
    }

    /** As {@link #onlyKeys(Collection)}, with a sentence of advice after the list. */
    public Input onlyKeys(Collection<String> allowed, String hint) {
        object();
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> keys = node.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!allowed.contains(key)) {
                unknown.add(key);
            }
        }
        if (unknown.isEmpty()) {
            return this;
        }
        // A body of thousands of unknown keys names the first few: the answer stays small.
        List<String> named = unknown.stream().limit(MAX_NAMED_KEYS).map(k -> quote(member(k).name())).toList();
        String more = unknown.size() > MAX_NAMED_KEYS ? " and " + (unknown.size() - MAX_NAMED_KEYS) + " more" : "";
        throw member(unknown.get(0)).invalid("Unknown key" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", named) + more
                + "; the keys" + (pointer.isEmpty() ? "" : " of " + name()) + " are: " + String.join(", ", allowed)
                + "." + (hint.isEmpty() ? "" : " " + hint));
    }

    // ---- lists ------------------------------------------------------------------------------------

    /** The items of this list; anything else is a 400. */
    public List<Input> list() {
        if (!node.isArray()) {
            throw invalid(name() + " must be a list, not " + describe(node) + ".");
        }
        List<Input> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(new Input(node.get(i), pointer + "/" + i, false));
        }
        return items;
    }

    /** The items of a list of at most {@code maxItems}; a longer one is a 400 naming the limit, before any item is read. */
    public List<Input> list(int maxItems) {
        if (node.isArray() && node.size() > maxItems) {
            throw tooMany(maxItems);
        }
        return list();
    }

    /** The items of this list (at most {@code maxItems}), or this one value as a list of one ({@code "status": "opn"}). */
    public List<Input> listOrOne(int maxItems) {
        return node.isArray() ? list(maxItems) : List.of(this);
    }

    /** A 400: this list has more than {@code maxItems} items. */
    public ProblemException tooMany(int maxItems) {
        return invalid(name() + " has " + node.size() + " items; at most " + maxItems + " are allowed.");
    }

    // ---- scalars ----------------------------------------------------------------------------------

    /** A non-blank string, as sent. */
    public String text() {
        if (!isPresent()) {
            throw invalid(name() + " is required.");
        }
        if (!node.isTextual()) {
            throw invalid(name() + " must be a string, not " + describe(node) + ".");
        }
        if (node.textValue().isBlank()) {
            throw invalid(name() + " must not be empty.");
        }
        return node.textValue();
    }

    /** A non-blank string of at most {@code maxLength} characters. */
    public String text(int maxLength) {
        String text = text();
        if (text.length() > maxLength) {
            throw invalid(name() + " is longer than " + maxLength + " characters.");
        }
        return text;
    }

    /** Absent or null: empty; otherwise {@link #text()}. */
    public Optional<String> optionalText() {
        return isPresent() ? Optional.of(text()) : Optional.empty();
    }

    /** Absent or null: empty; otherwise {@link #text(int)}. */
    public Optional<String> optionalText(int maxLength) {
        return isPresent() ? Optional.of(text(maxLength)) : Optional.empty();
    }

    /** A record id: a positive whole number in the body, its digits in a path or query parameter. */
    public long id() {
        if (!isPresent()) {
            throw invalid(name() + " is required.");
        }
        if (parameter && node.isTextual()) {
            OptionalLong id = FptrNames.parseId(node.textValue());
            if (id.isEmpty()) {
                throw invalid(name() + " must be a positive whole number, not '" + quote(node.textValue()) + "'.");
            }
            return id.getAsLong();
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || !FptrNames.isId(node.longValue())) {
            throw invalid(name() + " must be a positive whole number, not " + describe(node) + ".");
        }
        return node.longValue();
    }

    /** A whole number from 1 up to {@code max}. */
    public int positiveInt(int max) {
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() <= 0) {
            throw invalid(name() + " must be a positive whole number, not " + describe(node) + ".");
        }
        if (node.intValue() > max) {
            throw invalid(name() + " must be at most " + max + ", not " + node.intValue() + ".");
        }
        return node.intValue();
    }

    /** {@code true} or {@code false}. */
    public boolean bool() {
        if (!node.isBoolean()) {
            throw invalid(name() + " must be true or false, not " + describe(node) + ".");
        }
        return node.booleanValue();
    }

    /** One of a fixed set of names ({@code ?variant=original|thumbnail}); absent gives {@code absent}. */
    public <T> T oneOf(List<T> choices, Function<T, String> nameOf, T absent) {
        if (!isPresent()) {
            return absent;
        }
        String given = node.isTextual() ? node.textValue() : null;
        for (T choice : choices) {
            if (nameOf.apply(choice).equals(given)) {
                return choice;
            }
        }
        List<String> names = choices.stream().map(nameOf).toList();
        throw invalid(name() + " must be one of " + String.join(", ", names) + ", not "
                + (given == null ? describe(node) : "'" + quote(given) + "'") + ".");
    }

    // ---- FPTR names (the rules are FptrNames') ----------------------------------------------------

    /** An entity type as a URL path takes it: {@code Version}, {@code CustomEntity01} or {@code versions}. */
    public String entityType() {
        String type = text();
        if (!FptrNames.isEntityType(type)) {
            throw invalid(name() + " '" + quote(type) + "' is not an FPTR entity type name: use the schema name "
                    + "(letters, digits and '_', e.g. Version or CustomEntity01) or its plural slug (versions).");
        }
        return type;
    }

    /** An entity type as FPTR values and dotted paths write it: the schema name ({@code Shot}). */
    public String schemaEntityType() {
        String type = text();
        if (!FptrNames.isSchemaEntityType(type)) {
            throw invalid(name() + " '" + quote(type) + "' is not an FPTR entity type name; use the schema name, "
                    + "e.g. Shot, Asset, Version, CustomEntity01.");
        }
        return type;
    }

    /** One field of an entity: {@code sg_path}. */
    public String fieldName() {
        String field = text();
        if (field.indexOf('.') >= 0) {
            throw invalid(name() + " '" + quote(field) + "' is a dotted path; name a field of the entity itself, e.g. sg_path.");
        }
        if (!FptrNames.isFieldName(field)) {
            throw invalid(name() + " '" + quote(field) + "' is not an FPTR field name (letters, digits and '_', e.g. sg_path).");
        }
        return field;
    }

    /** A field or a dotted path of at most {@link FptrNames#MAX_PATH_HOPS} links: {@code sg_status_list}, {@code project.Project.name}. */
    public String fieldPath() {
        String path = text().strip();
        if (!FptrNames.isFieldPath(path)) {
            throw invalid(name() + " must be a field name or a dotted path of at most " + FptrNames.MAX_PATH_HOPS
                    + " links such as \"sg_status_list\" or \"project.Project.name\", not \"" + quote(path) + "\".");
        }
        return path;
    }

    // ---- words ------------------------------------------------------------------------------------

    /** A value as a message shows it: {@code a string ("10")}, {@code a number (5)}, {@code a list}... */
    public static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) return "missing";
        if (v.isTextual()) return "a string (\"" + quote(v.textValue()) + "\")";
        if (v.isNumber()) return "a number (" + quote(v.asText()) + ")";
        if (v.isBoolean()) return "a boolean (" + v.asText() + ")";
        if (v.isNull()) return "null";
        if (v.isArray()) return "a list";
        return "an object";
    }

    /**
     * Caller text safe to repeat in a message: at most 80 characters, control characters and halves of a
     * surrogate pair (a lone one, or one the cut would leave alone) as '?', so the answer is valid Unicode.
     */
    public static String quote(String text) {
        boolean clip = text.length() > 80;
        int end = clip ? 77 : text.length();
        StringBuilder s = new StringBuilder(end + 3);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            boolean paired = Character.isHighSurrogate(c) ? i + 1 < end && Character.isLowSurrogate(text.charAt(i + 1))
                    : !Character.isLowSurrogate(c) || (i > 0 && Character.isHighSurrogate(text.charAt(i - 1)));
            s.append(Character.isISOControl(c) || !paired ? '?' : c);
        }
        return clip ? s.append("...").toString() : s.toString();
    }
}
