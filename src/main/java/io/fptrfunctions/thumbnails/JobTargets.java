package io.fptrfunctions.thumbnails;

import io.fptrfunctions.fptr.FptrNames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Which entities' images become thumbnail jobs, and in which variants: one setting for every sender of
 * jobs that is not asked for one entity (the webhook routes the events of these types, the sweep walks
 * these types). The keys are {@code fptr.webhook.entity-types} and {@code fptr.webhook.variants}
 * ({@code FPTR_WEBHOOK_ENTITY_TYPES}, {@code FPTR_WEBHOOK_VARIANTS}, the template's parameters
 * {@code WebhookEntityTypes} and {@code WebhookVariants}), where the webhook first read them.
 *
 * @param entityTypes FPTR's schema names ({@code Note}, {@code Version}, {@code CustomEntity01}), in the order given
 * @param variants    {@code original} and/or {@code thumbnail} ({@link ThumbnailVariant#alt()}), each once
 */
public record JobTargets(List<String> entityTypes, List<String> variants) {

    public static final String ENTITY_TYPES_KEY = "fptr.webhook.entity-types";
    public static final String VARIANTS_KEY = "fptr.webhook.variants";
    private static final List<String> VARIANTS = Arrays.stream(ThumbnailVariant.values()).map(ThumbnailVariant::alt).toList();

    public JobTargets {
        entityTypes = List.copyOf(new LinkedHashSet<>(entityTypes));
        variants = List.copyOf(new LinkedHashSet<>(variants));
    }

    /** What is wrong with the setting, one sentence per value; empty when both lists can be used. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        for (String type : entityTypes) {
            if (!FptrNames.isSchemaEntityType(type)) {
                problems.add(ENTITY_TYPES_KEY + ": '" + type + "' is not an FPTR entity type name");
            }
        }
        for (String variant : variants) {
            if (!VARIANTS.contains(variant)) {
                problems.add(VARIANTS_KEY + ": '" + variant + "' is not one of " + VARIANTS);
            }
        }
        return problems;
    }
}
