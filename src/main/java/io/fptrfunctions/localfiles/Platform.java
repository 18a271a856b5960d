package io.fptrfunctions.localfiles;

import java.util.Locale;

/** The three operating systems a LocalStorage row holds a root for, named as FPTR names them. */
public enum Platform {
    LINUX, MAC, WINDOWS;

    /** {@code linux}, {@code mac}, {@code windows}: the suffix of {@code local_path_<platform>} and of {@code <platform>_path}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The stored value's key for this platform's full path, e.g. {@code local_path_windows}. */
    public String localPathKey() {
        return "local_path_" + key();
    }

    /** The LocalStorage field holding this platform's root, e.g. {@code windows_path}. */
    public String storageRootField() {
        return key() + "_path";
    }
}
