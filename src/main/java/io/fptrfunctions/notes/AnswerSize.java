package io.fptrfunctions.notes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fptrfunctions.http.ProblemException;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The note-search answer must fit in a Lambda response (6 MB, {@code fptr.notes.max-response-bytes}); a
 * bigger one is refused with a 422 that suggests a limit that fits, rather than failing inside Lambda.
 */
final class AnswerSize {

    private AnswerSize() {
    }

    static void check(JsonNode answer, int count, long maxBytes, ObjectMapper mapper) {
        long bytes = escapedSize(answer, mapper);
        if (bytes > maxBytes) {
            int fits = fitting(answer, bytes, maxBytes, mapper);
            // in bytes: whole MB read "a 6 MB answer, more than the 6 MB" for anything from 6 to 7 MB
            throw ProblemException.unprocessable("The " + count + " matching notes make a " + bytes
                    + "-byte answer, more than the " + maxBytes + " bytes a Lambda response can carry. "
                    + "Narrow the criteria, ask for fewer fields, or set limit (the first " + fits + " notes fit).")
                    .with("count", count).with("suggested_limit", fits);
        }
    }

    /**
     * How many of the answer's first notes fit in {@code maxBytes} (at least 1): what a search with that limit
     * answers, the same notes in the same order (with a smaller {@code count} and {@code truncated: true}). Counted note
     * by note, as notes differ in size: a ratio of the whole missed when the first notes were the long ones.
     */
    static int fitting(JsonNode answer, long bytes, long maxBytes, ObjectMapper mapper) {
        JsonNode notes = answer.path("notes");
        if (bytes <= maxBytes) {
            return notes.size();
        }
        long[] sizes = new long[notes.size()];
        long used = bytes;
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = escapedSize(notes.get(i), mapper) + (i == 0 ? 0 : 1);   // a comma before every note but the first
            used -= sizes[i];
        }
        // used: the answer without its notes
        for (int i = 0; i < sizes.length; i++) {
            used += sizes[i];
            if (used > maxBytes) {
                return Math.max(1, i);
            }
        }
        return Math.max(1, sizes.length);
    }

    /**
     * The answer's size as it will be carried: its JSON is itself a string inside the Lambda response, so
     * every quote and backslash takes one byte more. Counted while writing, without keeping the text.
     */
    static long escapedSize(JsonNode answer, ObjectMapper mapper) {
        EscapedSizeCounter counter = new EscapedSizeCounter();
        try {
            mapper.writeValue(counter, answer);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return counter.size;
    }

    private static final class EscapedSizeCounter extends OutputStream {
        long size;

        @Override
        public void write(int b) {
            size += (b == '"' || b == '\\') ? 2 : 1;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                size += (b[i] == '"' || b[i] == '\\') ? 2 : 1;
            }
        }
    }
}
