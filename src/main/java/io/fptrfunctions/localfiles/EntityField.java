package io.fptrfunctions.localfiles;

import java.util.Locale;

/**
 * The {@code {type}/{id}/{field}} of a local-files route, read and checked before anything is sent to
 * FPTR ({@link LocalFileRequests#target}).
 */
public record EntityField(String type, long id, String field) {

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
