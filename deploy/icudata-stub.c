/*
 * An empty ICU data library, built into the image in place of Debian's libicudata.so.72 (31 MB
 * of locale and conversion tables). Nothing in ManualBot reads ICU data: the only path to ICU
 * is libtesseract → libarchive → libxml2 → libicuuc; libarchive parses XML only for xar archives
 * (Tesseract reads plain .traineddata files), the S3 client reads its XML with its own reader
 * (Sources/S3/XMLScanner.swift), and libxml2 turns to ICU only for a character encoding that
 * neither it nor glibc's iconv converts. Should anything ever ask ICU for data, it gets
 * U_FILE_ACCESS_ERROR (libxml2: "unsupported encoding"), not a crash; checked with and without
 * the stub: UTF-8 and EUC-KR documents parse, an unknown encoding is the same error. The Swift
 * runtime's own ICU is linked into the binary.
 *
 * Same symbol and layout as ICU's source/stubdata/stubdata.cpp (an empty table of contents):
 *   clang -O2 -shared -fPIC -Wl,-soname,libicudata.so.72 -o libicudata.so.72 deploy/icudata-stub.c
 */
#include <stdint.h>

struct icu_data_header {
    uint16_t header_size;
    uint8_t magic1, magic2;
    struct {
        uint16_t size, reserved_word;
        uint8_t is_big_endian, charset_family, sizeof_uchar, reserved_byte;
        uint8_t data_format[4], format_version[4], data_version[4];
    } info;
    char padding[8];
    uint32_t count, reserved;
    struct { uint32_t name_offset, data_offset; } toc[1];
};

__attribute__((visibility("default"), aligned(16)))
const struct icu_data_header icudt72_dat = {
    32, 0xda, 0x27,
    {20, 0, 0 /* little-endian */, 0 /* ASCII family */, 2, 0,
     {0x54, 0x6f, 0x43, 0x50} /* "ToCP" */, {1, 0, 0, 0}, {0, 0, 0, 0}},
    {0}, 0, 0, {{0, 0}},
};
