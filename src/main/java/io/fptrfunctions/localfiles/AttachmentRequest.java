package io.fptrfunctions.localfiles;

import java.util.List;

/**
 * A {@code POST /v1/attachments} body, read ({@link LocalFileRequests#attachment}): the project by id or
 * by name (one is set), {@code this_file} (a local or a web link), optional {@code attachment_links},
 * {@code description} and {@code tag_list} (null when absent).
 */
record AttachmentRequest(Long projectId, String projectName, LinkRequest thisFile, List<EntityLink> attachmentLinks,
                         String description, List<String> tagList) {

    /** {@code {"type": "Version", "id": 6003}}. */
    record EntityLink(String type, long id) {
    }
}
