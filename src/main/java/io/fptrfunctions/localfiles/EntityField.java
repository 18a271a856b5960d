package io.fptrfunctions.localfiles;

import io.fptrfunctions.http.ProblemException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@code {type}/{id}/{field}} of a local-files route, checked before anything is sent to FPTR:
 * FPTR itself answers a bad type, id or field with errors that do not say which part was wrong.
 */
public record EntityField(String type, long id, String field) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    public static EntityField of(String type, String id, String field) {
        if (!NAME.matcher(type).matches()) {
            throw ProblemException.badRequest("Entity type '" + type + "' is not a valid FPTR entity type name "
                    + "(letters, digits and '_', starting with a letter, e.g. Version or CustomEntity01).");
        }
        if (!DIGITS.matcher(id).matches() || Long.parseLong(id) == 0) {
            throw ProblemException.badRequest("Entity id '" + id + "' must be a positive whole number.");
        }
        if (field.contains(".")) {
            throw ProblemException.badRequest("Field '" + field + "' is a dotted path; name a field of " + type
                    + " itself, e.g. sg_path or path.");
        }
        if (!NAME.matcher(field).matches()) {
            throw ProblemException.badRequest("Field '" + field + "' is not a valid FPTR field name "
                    + "(letters, digits and '_', e.g. sg_path).");
        }
        return new EntityField(type, Long.parseLong(id), field);
    }

    /** FPTR takes the schema name ({@code Attachment}) or the plural slug ({@code attachments}). */
    public boolean isAttachmentThisFile() {
        String t = type.toLowerCase(Locale.ROOT);
        return (t.equals("attachment") || t.equals("attachments")) && field.equals("this_file");
    }

    @Override
    public String toString() {
        return type + " " + id + " " + field;
    }
}
