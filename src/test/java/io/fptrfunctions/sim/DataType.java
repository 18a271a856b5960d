package io.fptrfunctions.sim;

import java.util.List;
import java.util.Locale;

/** FPTR field data types (the {@code data_type} of a schema field) and the filter relations each accepts. */
public enum DataType {
    TEXT, ENTITY, MULTI_ENTITY, URL, IMAGE, DATE_TIME, DATE, STATUS_LIST, NUMBER, FLOAT, CHECKBOX, LIST,
    TAG_LIST, DURATION, PERCENT, COLOR, PIVOT_COLUMN, UUID, SERIALIZABLE, ENTITY_TYPE, PASSWORD;

    private static final List<String> TEXT_RELATIONS =
            List.of("contains", "not_contains", "is", "is_not", "starts_with", "ends_with", "in", "not_in");
    private static final List<String> NUMBER_RELATIONS =
            List.of("is", "is_not", "less_than", "greater_than", "between", "not_between", "in", "not_in");
    private static final List<String> DATE_RELATIONS =
            List.of("is", "is_not", "greater_than", "less_than", "between", "not_between", "in_last", "not_in_last",
                    "in_next", "not_in_next", "in", "not_in");
    private static final List<String> ENTITY_RELATIONS =
            List.of("is", "is_not", "type_is", "type_is_not", "in", "not_in", "name_contains", "name_not_contains",
                    "name_is", "name_starts_with", "name_ends_with");
    private static final List<String> CHOICE_RELATIONS = List.of("is", "is_not", "in", "not_in");

    /** FPTR's spelling, e.g. {@code multi_entity}. */
    public String fptrName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DataType of(String fptrName) {
        return valueOf(fptrName.toUpperCase(Locale.ROOT));
    }

    /** Entity links live under {@code relationships}, everything else under {@code attributes}. */
    public boolean isLink() {
        return this == ENTITY || this == MULTI_ENTITY;
    }

    /** Relations a filter may use on a field of this type; empty = the type cannot be filtered on. */
    public List<String> relations() {
        return switch (this) {
            case TEXT, UUID, ENTITY_TYPE, COLOR -> TEXT_RELATIONS;
            case NUMBER, FLOAT, DURATION, PERCENT -> NUMBER_RELATIONS;
            case DATE, DATE_TIME -> DATE_RELATIONS;
            case ENTITY, MULTI_ENTITY -> ENTITY_RELATIONS;
            case STATUS_LIST, LIST, TAG_LIST -> CHOICE_RELATIONS;
            case CHECKBOX, IMAGE, URL, PIVOT_COLUMN -> List.of("is", "is_not");
            case SERIALIZABLE, PASSWORD -> List.of();
        };
    }
}
