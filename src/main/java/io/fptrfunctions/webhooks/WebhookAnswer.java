package io.fptrfunctions.webhooks;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The 200 answer to a delivery: events queued (one job per configured variant each), events already
 * queued before (or twice in this delivery), events the receiver does not act on, and events it could
 * not read (each logged; not queued and not marked seen).
 */
@RegisterForReflection
public record WebhookAnswer(int accepted, int duplicates, int ignored, int unreadable) {
}
