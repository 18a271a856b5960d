package io.fptrfunctions.fptr;

import java.util.OptionalLong;

/**
 * What FPTR accepts as an entity type, a field name, a dotted field path and a record id, checked here
 * once for every function before anything is sent (FPTR's own answers to a malformed name do not say
 * which part was wrong). Plain character checks: no regular expression ever walks caller input.
 */
public final class FptrNames {

    /** Longer names are not FPTR's: its schema names and field names are short. */
    public static final int MAX_NAME_LENGTH = 64;
    /**
     * The most links a dotted path may follow ({@code note_links.Shot.sg_sequence.Sequence.code} follows 2):
     * each hop is a join for FPTR, and a path of thousands of hops is an attack, not a question.
     */
    public static final int MAX_PATH_HOPS = 4;
    /** A record id fits in 18 digits (FPTR's ids are 32-bit; a long holds any 18-digit number). */
    private static final int MAX_ID_DIGITS = 18;

    private FptrNames() {
    }

    /**
     * An entity type as a URL path segment: the schema name ({@code Note}, {@code CustomEntity01},
     * {@code HumanUser}) or the plural slug ({@code notes}, {@code human_users}), as FPTR takes both.
     */
    public static boolean isEntityType(String name) {
        return isSchemaEntityType(name) || isSlug(name);
    }

    /**
     * An entity type as FPTR writes it in values and dotted paths ({@code {"type": "Shot"}},
     * {@code note_links.Shot.code}): the schema name only, which starts with an upper-case letter.
     */
    public static boolean isSchemaEntityType(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_NAME_LENGTH
                && isAsciiUpper(name.charAt(0)) && restIsWord(name);
    }

    /** A field of one entity type: {@code code}, {@code sg_status_list}. */
    public static boolean isFieldName(String name) {
        return name != null && !name.isEmpty() && name.length() <= MAX_NAME_LENGTH
                && isAsciiLetter(name.charAt(0)) && restIsWord(name);
    }

    /**
     * A field or a dotted path through entity fields: {@code sg_status_list},
     * {@code project.Project.name}, {@code note_links.Shot.sg_sequence.Sequence.code} (field, then
     * type and field pairs), of at most {@link #MAX_PATH_HOPS} hops.
     */
    public static boolean isFieldPath(String path) {
        if (path == null || path.isEmpty() || path.length() > (2 * MAX_PATH_HOPS + 1) * (MAX_NAME_LENGTH + 1)) {
            return false;
        }
        int segment = 0;
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '.') {
                if (segment > 2 * MAX_PATH_HOPS) {
                    return false;
                }
                String part = path.substring(start, i);
                if (segment % 2 == 0 ? !isFieldName(part) : !isSchemaEntityType(part)) {
                    return false;
                }
                segment++;
                start = i + 1;
            }
        }
        return segment % 2 == 1;   // ends on a field
    }

    /** A record id written as digits: 1 to 18 of them, not zero. */
    public static OptionalLong parseId(String digits) {
        if (digits == null || digits.isEmpty() || digits.length() > MAX_ID_DIGITS) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        long id = Long.parseLong(digits);
        return id > 0 ? OptionalLong.of(id) : OptionalLong.empty();
    }

    /** A record id: positive. */
    public static boolean isId(long id) {
        return id > 0;
    }

    private static boolean isSlug(String name) {
        if (name == null || name.isEmpty() || name.length() > MAX_NAME_LENGTH || !(name.charAt(0) >= 'a' && name.charAt(0) <= 'z')) {
            return false;
        }
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean restIsWord(String name) {
        for (int i = 1; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isAsciiLetter(c) && !(c >= '0' && c <= '9') && c != '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || isAsciiUpper(c);
    }

    private static boolean isAsciiUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }
}
