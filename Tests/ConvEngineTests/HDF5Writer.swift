import CHDF5
import Foundation

/// Writes small HDF5 files for the loader tests through libhdf5 itself: groups, float datasets, fixed-length
/// string-array attributes, and the hostile pieces (external links, externally stored datasets).
final class HDF5Writer {
    private let file: hid_t
    private var closed = false

    init(path: String) {
        _ = H5open()
        _ = H5Eset_auto2(convscope_h5e_default(), nil, nil)
        file = H5Fcreate(path, 0x0002 /* H5F_ACC_TRUNC */, convscope_h5p_default(), convscope_h5p_default())
        precondition(file >= 0, "cannot create \(path)")
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        H5Fclose(file)
    }

    /// Creates every missing group along `path` ("a/b/c").
    func group(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            if H5Lexists(file, prefix, convscope_h5p_default()) > 0 { continue }
            let g = H5Gcreate2(file, prefix, convscope_h5p_default(), convscope_h5p_default(), convscope_h5p_default())
            precondition(g >= 0, "cannot create group \(prefix)")
            H5Gclose(g)
        }
    }

    private func parent(_ path: String) {
        let parts = path.split(separator: "/")
        if parts.count > 1 { group(parts.dropLast().joined(separator: "/")) }
    }

    /// A float32 dataset; `dcpl` lets a test ask for external storage.
    func dataset(_ path: String, shape: [Int], _ values: [Float], dcpl: hid_t? = nil) {
        precondition(shape.reduce(1, *) == values.count, "\(path): \(shape) does not hold \(values.count) values")
        parent(path)
        let dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), dims, nil)
        defer { H5Sclose(space) }
        let d = H5Dcreate2(
            file, path, convscope_h5t_native_float(), space, convscope_h5p_default(),
            dcpl ?? convscope_h5p_default(), convscope_h5p_default())
        precondition(d >= 0, "cannot create dataset \(path)")
        defer { H5Dclose(d) }
        let status = values.withUnsafeBytes {
            H5Dwrite(
                d, convscope_h5t_native_float(), convscope_h5s_all(), convscope_h5s_all(), convscope_h5p_default(),
                $0.baseAddress)
        }
        precondition(status >= 0, "cannot write \(path)")
    }

    /// A dataset whose raw data lives in `externalFile` (H5Pset_external).
    func externallyStoredDataset(_ path: String, shape: [Int], _ values: [Float], externalFile: String) {
        let dcpl = H5Pcreate(H5P_CLS_DATASET_CREATE_ID_g)
        defer { H5Pclose(dcpl) }
        precondition(H5Pset_external(dcpl, externalFile, 0, hsize_t(values.count * 4)) >= 0)
        dataset(path, shape: shape, values, dcpl: dcpl)
    }

    /// A fixed-length string array attribute on the group at `path` ("/" for the root), as Keras 2 writes them.
    func stringsAttribute(_ name: String, on path: String, _ strings: [String]) {
        if path != "/" { group(path) }
        let width = max(1, strings.map(\.utf8.count).max() ?? 1)
        let type = H5Tcopy(convscope_h5t_c_s1())
        defer { H5Tclose(type) }
        H5Tset_size(type, width)
        var dims = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let g = H5Gopen2(file, path, convscope_h5p_default())
        precondition(g >= 0, "cannot open \(path)")
        defer { H5Gclose(g) }
        let a = H5Acreate2(g, name, type, space, convscope_h5p_default(), convscope_h5p_default())
        precondition(a >= 0, "cannot create attribute \(name)")
        defer { H5Aclose(a) }
        var buf = [UInt8](repeating: 0, count: width * strings.count)
        for (i, s) in strings.enumerated() { for (j, c) in s.utf8.enumerated() { buf[i * width + j] = c } }
        precondition(H5Awrite(a, type, buf) >= 0)
    }

    /// `path` becomes a link to object `object` in another file.
    func externalLink(_ path: String, toFile target: String, object: String) {
        parent(path)
        precondition(
            H5Lcreate_external(target, object, file, path, convscope_h5p_default(), convscope_h5p_default()) >= 0)
    }
}
