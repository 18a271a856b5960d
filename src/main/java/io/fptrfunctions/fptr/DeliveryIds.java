package io.fptrfunctions.fptr;

/**
 * FPTR webhook delivery ids as this code takes them (a real site's are UUIDs): each becomes the last segment of
 * {@code PUT /webhook/deliveries/{id}} when the worker acknowledges a delivery, so an id must be a plain path
 * segment. Letters, digits and {@code . _ : -} are sent as they are; {@code "."} and {@code ".."} would be
 * resolved by the server to another path, so they are no delivery id.
 */
public final class DeliveryIds {

    /** Room for a UUID and more; an id also becomes part of a DynamoDB key (at most 2048 bytes) and of a job. */
    public static final int MAX_LENGTH = 128;
    /** What a delivery id must be, for the answers and log lines that refuse one. */
    public static final String SHAPE = "1-" + MAX_LENGTH + " letters, digits and . _ : -, not . or ..";

    private DeliveryIds() {
    }

    /** Whether {@code id} is 1-{@value #MAX_LENGTH} letters, digits and . _ : - and not a dot segment. */
    public static boolean isDeliveryId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH || id.equals(".") || id.equals("..")) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && ".-_:".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
