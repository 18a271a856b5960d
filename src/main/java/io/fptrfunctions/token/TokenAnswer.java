package io.fptrfunctions.token;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of a {@code POST /v1/token} answer, as DESIGN.md fixes it. */
@RegisterForReflection
public record TokenAnswer(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("expires_in") long expiresIn,
        @JsonProperty("expires_at") String expiresAt) {

    @Override
    public String toString() {
        return "TokenAnswer[expiresAt=" + expiresAt + ", accessToken=***]";
    }
}
