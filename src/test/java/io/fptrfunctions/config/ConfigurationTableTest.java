package io.fptrfunctions.config;

import io.smallrye.config.ConfigMappingInterface;
import io.smallrye.config.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * README's configuration table is the mapping's: every key of {@link FunctionsConfig} is a row with the
 * same default and the environment variable Lambda reads it from, and every row is a key of the mapping.
 */
class ConfigurationTableTest {

    /** {@code | `fptr.x` | `FPTR_X` | `default` or – | meaning |} */
    private static final Pattern ROW = Pattern.compile("^\\| `(fptr\\.[^`]+)` \\| `([^`]+)` \\| (?:`([^`]*)`|–) \\| .+\\|$");
    private static final String NO_DEFAULT = "(none)";

    @Test
    void everyKeyOfTheMappingIsInTheReadmeTableWithItsDefaultAndViceVersa() throws IOException {
        Map<String, String> mapping = new TreeMap<>();
        ConfigMappings.getProperties(new ConfigMappings.ConfigClass(FunctionsConfig.class, "fptr")).forEach((key, property) -> {
            if (!key.endsWith("[*]")) {   // a list (fptr.webhook.variants) is also listed by its indexed form
                mapping.put(key, defaultOf(property));
            }
        });
        assertFalse(mapping.isEmpty());

        Map<String, String> table = new TreeMap<>();
        for (String line : Files.readAllLines(Path.of("README.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                String key = row.group(1);
                assertEquals(environmentVariable(key), row.group(2), "the environment variable of " + key);
                table.put(key, row.group(3) == null ? NO_DEFAULT : row.group(3));
            }
        }

        assertEquals(mapping, table, "README's configuration table (key -> default) against FunctionsConfig");
    }

    private static String defaultOf(ConfigMappingInterface.Property property) {
        if (property.isOptional()) {
            return NO_DEFAULT;
        }
        return property.hasDefaultValue() ? property.getDefaultValue() : NO_DEFAULT;
    }

    /** How SmallRye Config reads a key from the environment. */
    private static String environmentVariable(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
