// Hands freed heap pages back to the OS (glibc's `malloc_trim`, declared in <malloc.h>, which
// the Glibc module does not export). Used where a large structure was just dropped: an index
// rebuild, a parse worker between documents. A no-op elsewhere.
#if os(Linux)
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
#endif

public enum FreedMemory {
    public static func returnToSystem() {
        #if os(Linux)
        _ = mallocTrim(0)
        #endif
    }
}
