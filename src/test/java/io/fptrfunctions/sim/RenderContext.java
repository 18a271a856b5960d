package io.fptrfunctions.sim;

/**
 * How a record is being rendered: the API prefix called ({@code /api/v1} or {@code /api/v1.1}), the
 * site URL (for absolute links) and whether timestamps use FPTR's create-answer style.
 */
public record RenderContext(String apiPrefix, String siteUrl, boolean createStyle) {
}
