// Exposes poppler-glib (and the GLib types it uses) to Swift, and cairo, which renders pages
// into image surfaces for OCR.
#include <poppler.h>
#include <cairo.h>
