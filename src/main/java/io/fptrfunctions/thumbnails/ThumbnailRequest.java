package io.fptrfunctions.thumbnails;

import io.fptrfunctions.http.ApiRequest;

import java.util.List;

/** {@code PUT /v1/entities/{type}/{id}/thumbnail?variant=original|thumbnail}, read: {@code original} when absent. */
public record ThumbnailRequest(String entityType, long id, ThumbnailVariant variant) {

    public static ThumbnailRequest read(ApiRequest request) {
        return new ThumbnailRequest(request.path("type").entityType(), request.path("id").id(),
                request.query("variant").oneOf(List.of(ThumbnailVariant.values()), ThumbnailVariant::alt, ThumbnailVariant.ORIGINAL));
    }
}
