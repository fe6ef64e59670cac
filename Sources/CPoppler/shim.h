// Exposes poppler-glib (and the GLib types it uses) to Swift.
#include <poppler.h>
