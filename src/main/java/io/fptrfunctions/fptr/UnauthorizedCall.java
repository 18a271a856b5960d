package io.fptrfunctions.fptr;

import com.fasterxml.jackson.databind.JsonNode;

/** FPTR answered 401 on a data call: the token expired or was revoked early. Never retried by FT. */
class UnauthorizedCall extends FptrException {

    UnauthorizedCall(Integer code, String title, String detail, JsonNode errors) {
        super(401, code, title, detail, errors);
    }
}
