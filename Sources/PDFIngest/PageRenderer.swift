// Renders one PDF page to an 8-bit grayscale image for OCR: poppler draws it with cairo into an
// RGB image surface on white, which is then reduced to gray. The pixel count is checked and
// clamped before cairo allocates anything, so a huge page costs a bounded amount of memory.
import CPoppler
import Foundation

enum PageRenderer {
    struct Rendered {
        var image: GrayImage
        /// Set when the page was rendered below the requested resolution to fit the pixel cap.
        var clampNote: String?
    }

    /// cairo's image surfaces are limited to 32,767 pixels a side.
    static let maximumSide = 32_767

    static func render(_ page: OpaquePointer, dpi: Int, maxPixels: Int) -> Result<Rendered, ExtractionError> {
        var width = 0.0, height = 0.0
        // Size and drawing both follow the page's /Rotate, as a viewer shows it.
        poppler_page_get_size(page, &width, &height)
        guard width.isFinite, height.isFinite, width > 0, height > 0 else {
            return .failure(ExtractionError(.damaged, "the page has no size to render"))
        }
        let size = pixelSize(widthPoints: width, heightPoints: height, dpi: dpi, maxPixels: maxPixels)
        let effectiveDPI = Int((size.scale * 72).rounded())
        var note: String?
        if size.clamped {
            note = String(format: "page is %.0f×%.0f in: rendered at %d dpi instead of %d (page image capped at %d MP)",
                          width / 72, height / 72, effectiveDPI, dpi, maxPixels / 1_000_000)
        }
        // Under the worker's address-space limit cairo fails to allocate rather than the process dying.
        let noMemory = ExtractionError(.resourceLimit, "cannot allocate a \(size.width)×\(size.height) page image (PARSE_MEMORY_MB)"
                                       + (note.map { "; \($0)" } ?? ""))
        guard let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(size.width), Int32(size.height)) else {
            return .failure(noMemory)
        }
        defer { cairo_surface_destroy(surface) }
        guard cairo_surface_status(surface) == CAIRO_STATUS_SUCCESS, let context = cairo_create(surface) else {
            return .failure(noMemory)
        }
        cairo_set_source_rgb(context, 1, 1, 1)
        cairo_paint(context)
        cairo_scale(context, size.scale, size.scale)
        poppler_page_render(page, context)
        cairo_destroy(context)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else {
            return .failure(ExtractionError(.resourceLimit, "the page image is empty"))
        }
        let stride = Int(cairo_image_surface_get_stride(surface))
        let pixels = grayscale(data, width: size.width, height: size.height, stride: stride)
        return .success(Rendered(image: GrayImage(width: size.width, height: size.height, pixels: pixels, dpi: effectiveDPI),
                                 clampNote: note))
    }

    /// The image size for a page at `dpi`, scaled down to at most `maxPixels` pixels and
    /// `maximumSide` a side. Pure arithmetic: nothing is allocated before it has been decided.
    static func pixelSize(widthPoints: Double, heightPoints: Double, dpi: Int, maxPixels: Int) -> (width: Int, height: Int, scale: Double, clamped: Bool) {
        var scale = Double(max(1, dpi)) / 72
        var clamped = false
        let requested = widthPoints * scale * heightPoints * scale
        if requested > Double(maxPixels) {
            scale = (Double(maxPixels) / (widthPoints * heightPoints)).squareRoot()
            clamped = true
        }
        let longest = max(widthPoints, heightPoints) * scale
        if longest > Double(maximumSide) {
            scale = Double(maximumSide) / max(widthPoints, heightPoints)
            clamped = true
        }
        let width = min(maximumSide, max(1, Int((widthPoints * scale).rounded(.down))))
        let height = min(maximumSide, max(1, Int((heightPoints * scale).rounded(.down))))
        return (width, height, scale, clamped)
    }

    /// cairo's RGB24 pixels (32-bit words, 0x00RRGGBB) to 8-bit luma.
    static func grayscale(_ data: UnsafeMutablePointer<UInt8>, width: Int, height: Int, stride: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: width * height) { buffer, count in
            data.withMemoryRebound(to: UInt32.self, capacity: stride / 4 * height) { words in
                for y in 0..<height {
                    let row = words + y * (stride / 4)
                    let out = y * width
                    for x in 0..<width {
                        let pixel = row[x]
                        let red = (pixel >> 16) & 0xFF, green = (pixel >> 8) & 0xFF, blue = pixel & 0xFF
                        buffer[out + x] = UInt8(truncatingIfNeeded: (red * 77 + green * 150 + blue * 29) >> 8)
                    }
                }
            }
            count = width * height
        }
    }
}
