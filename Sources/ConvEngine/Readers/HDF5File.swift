import CHDF5
import Foundation

/// A read-only HDF5 file that serves only plain float datasets and string attributes. HDF5 is not built for hostile
/// files, so plugins are switched off, every link on a path must be a hard link, and datasets with external storage,
/// virtual layouts or non-built-in filters are refused. The serial libhdf5 is not thread-safe: all calls hold a lock.
final class HDF5File {
    private static let lock = NSLock()
    private static let setUp: Void = {
        _ = H5Eset_auto2(convscope_h5e_default(), nil, nil)  // errors come back as our own messages, not stderr dumps
        _ = H5PLset_loading_state(0)  // never load filter plugins named by a file
    }()
    /// Filters libhdf5 implements itself: deflate, shuffle, fletcher32, szip, nbit, scaleoffset.
    private static let builtInFilters: Set<Int32> = [1, 2, 3, 4, 5, 6]

    let name: String
    private let file: hid_t

    /// True when the file starts with the HDF5 signature (at 0, or after a user block at 512, 1024, …).
    static func hasSignature(_ data: Data) -> Bool {
        let sig: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
        var offset = 0
        while offset + 8 <= data.count {
            if Array(data[offset..<offset + 8]) == sig { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }

    init(path: String) throws {
        name = (path as NSString).lastPathComponent
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        _ = HDF5File.setUp
        let fapl = H5Pcreate(convscope_h5p_file_access())
        defer { H5Pclose(fapl) }
        H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)
        let f = H5Fopen(path, convscope_h5f_acc_rdonly(), fapl)
        guard f >= 0 else {
            throw WeightsError.malformed(
                file: name, detail: "HDF5 signature found but the file cannot be opened; it may be truncated")
        }
        file = f
    }

    deinit {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        H5Fclose(file)
    }

    /// Whether `path` exists, following only hard links. Throws on a soft or external link anywhere along it.
    func exists(_ path: String) throws -> Bool {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        return try existsLocked(path)
    }

    private func existsLocked(_ path: String) throws -> Bool {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += prefix.isEmpty ? String(part) : "/" + part
            guard H5Lexists(file, prefix, convscope_h5p_default()) > 0 else { return false }
            var info = H5L_info_t()
            guard H5Lget_info(file, prefix, &info, convscope_h5p_default()) >= 0 else { return false }
            guard info.type == H5L_TYPE_HARD else {
                throw WeightsError.unsafeHDF5(
                    file: name, detail: "\(prefix) is an \(info.type == H5L_TYPE_EXTERNAL ? "external" : "soft") link")
            }
        }
        return true
    }

    /// Most members a group may list: Keras files have a few hundred; a forged link count is never trusted.
    static let maxMembers = 100_000

    /// Names of the members of a group, in name order. The links that really exist are iterated (`H5Literate`, in the
    /// group's native order, stopping after `maxMembers`) and sorted here: the count a file declares is never used to
    /// ask libhdf5 for names by index, which makes it sort whatever a forged count points at.
    func members(of group: String) throws -> [String] {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        guard try existsLocked(group) || group == "/" else { return [] }
        let g = H5Gopen2(file, group, convscope_h5p_default())
        guard g >= 0 else { return [] }
        defer { H5Gclose(g) }
        final class Collected {
            var names: [String] = []
            var tooMany = false
        }
        let collected = Collected()
        var index: hsize_t = 0
        let status = withExtendedLifetime(collected) {
            H5Literate(
                g, H5_INDEX_NAME, H5_ITER_NATIVE, &index,
                { _, name, _, data in
                    let c = Unmanaged<Collected>.fromOpaque(data!).takeUnretainedValue()
                    guard let name, strnlen(name, 4097) <= 4096 else { return 0 }
                    c.names.append(String(cString: name))
                    if c.names.count >= HDF5File.maxMembers {
                        c.tooMany = true
                        return 1
                    }  // stop
                    return 0
                }, Unmanaged.passUnretained(collected).toOpaque())
        }
        if collected.tooMany {
            throw WeightsError.malformed(file: name, detail: "group \(group) has over \(HDF5File.maxMembers) members")
        }
        guard status >= 0 else {
            throw WeightsError.malformed(file: name, detail: "the members of \(group) cannot be listed")
        }
        return collected.names.sorted()
    }

    /// A string-array attribute (fixed or variable length) on the object at `path`; nil when absent.
    func stringsAttribute(_ attribute: String, of path: String) throws -> [String]? {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        guard try path == "/" || existsLocked(path) else { return nil }
        guard H5Aexists_by_name(file, path, attribute, convscope_h5p_default()) > 0 else { return nil }
        let a = H5Aopen_by_name(file, path, attribute, convscope_h5p_default(), convscope_h5p_default())
        guard a >= 0 else { return nil }
        defer { H5Aclose(a) }
        let type = H5Aget_type(a)
        let space = H5Aget_space(a)
        defer {
            H5Tclose(type)
            H5Sclose(space)
        }
        guard H5Tget_class(type) == H5T_STRING else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) of \(path) is not text")
        }
        let count = Int(max(H5Sget_simple_extent_npoints(space), 0))
        guard count < 100_000 else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) is too long")
        }
        if H5Tis_variable_str(type) > 0 {
            let memType = H5Tcopy(convscope_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, Int(bitPattern: UInt(bitPattern: -1)))  // H5T_VARIABLE
            H5Tset_cset(memType, H5Tget_cset(type))  // h5py writes UTF-8; HDF5 won't convert it to ASCII
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(a, memType, &ptrs) >= 0 else {
                throw WeightsError.malformed(file: name, detail: "cannot read \(attribute)")
            }
            defer { H5Dvlen_reclaim(memType, space, convscope_h5p_default(), &ptrs) }
            return ptrs.map { $0.map { String(cString: $0) } ?? "" }
        }
        let size = H5Tget_size(type)
        guard size > 0, size < 65536 else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) has a bad size")
        }
        var buf = [UInt8](repeating: 0, count: size * count)
        guard H5Aread(a, type, &buf) >= 0 else {
            throw WeightsError.malformed(file: name, detail: "cannot read \(attribute)")
        }
        return (0..<count).map { i in
            let bytes = buf[(i * size)..<((i + 1) * size)].prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    /// One text attribute of any length up to `limit` bytes, fixed or variable length, on the object at `path`; nil
    /// when absent. For Keras's `model_config` JSON, which can outgrow `stringsAttribute`'s 64 KB fixed-size limit.
    /// A fixed-size string's length is checked before anything is allocated; a variable-length one after libhdf5
    /// has read it from the file's heap (whose size the file bounds).
    func longStringAttribute(_ attribute: String, of path: String, limit: Int) throws -> String? {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        guard try path == "/" || existsLocked(path) else { return nil }
        guard H5Aexists_by_name(file, path, attribute, convscope_h5p_default()) > 0 else { return nil }
        let a = H5Aopen_by_name(file, path, attribute, convscope_h5p_default(), convscope_h5p_default())
        guard a >= 0 else { return nil }
        defer { H5Aclose(a) }
        let type = H5Aget_type(a)
        let space = H5Aget_space(a)
        defer {
            H5Tclose(type)
            H5Sclose(space)
        }
        guard H5Tget_class(type) == H5T_STRING else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) of \(path) is not text")
        }
        guard H5Sget_simple_extent_npoints(space) == 1 else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) of \(path) is not a single text")
        }
        if H5Tis_variable_str(type) > 0 {
            let memType = H5Tcopy(convscope_h5t_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, Int(bitPattern: UInt(bitPattern: -1)))  // H5T_VARIABLE
            H5Tset_cset(memType, H5Tget_cset(type))  // h5py writes UTF-8; HDF5 won't convert it to ASCII
            var ptrs = [UnsafeMutablePointer<CChar>?](repeating: nil, count: 1)
            guard H5Aread(a, memType, &ptrs) >= 0 else {
                throw WeightsError.malformed(file: name, detail: "cannot read \(attribute)")
            }
            defer { H5Dvlen_reclaim(memType, space, convscope_h5p_default(), &ptrs) }
            guard let p = ptrs[0] else { return "" }
            guard strnlen(p, limit + 1) <= limit else {
                throw WeightsError.malformed(
                    file: name,
                    detail: "attribute \(attribute) is longer than \(limit) bytes")
            }
            return String(cString: p)
        }
        let size = H5Tget_size(type)
        guard size > 0, size <= limit else {
            throw WeightsError.malformed(file: name, detail: "attribute \(attribute) has \(size) bytes, over \(limit)")
        }
        var buf = [UInt8](repeating: 0, count: size)
        guard H5Aread(a, type, &buf) >= 0 else {
            throw WeightsError.malformed(file: name, detail: "cannot read \(attribute)")
        }
        return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The shape of the dataset at `path`, or nil when there is none.
    func datasetShape(_ path: String) throws -> [Int]? {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        guard try existsLocked(path) else { return nil }
        var oinfo = H5O_info_t()
        guard H5Oget_info_by_name1(file, path, &oinfo, convscope_h5p_default()) >= 0, oinfo.type == H5O_TYPE_DATASET
        else { return nil }
        let d = H5Dopen2(file, path, convscope_h5p_default())
        guard d >= 0 else { return nil }
        defer { H5Dclose(d) }
        return shapeLocked(d)
    }

    private func shapeLocked(_ d: hid_t) -> [Int] {
        let space = H5Dget_space(d)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 && rank <= 8 else { return [] }
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Reads a float dataset, converted to Float32, after checking its shape and storage.
    func readFloats(_ path: String, shape expected: [Int], tensor: String) throws -> [Float] {
        HDF5File.lock.lock()
        defer { HDF5File.lock.unlock() }
        guard try existsLocked(path) else {
            throw WeightsError.malformed(file: name, detail: "dataset \(path) for \(tensor) is missing")
        }
        var oinfo = H5O_info_t()
        guard H5Oget_info_by_name1(file, path, &oinfo, convscope_h5p_default()) >= 0, oinfo.type == H5O_TYPE_DATASET
        else {
            throw WeightsError.malformed(file: name, detail: "\(path) is not a dataset")
        }
        let d = H5Dopen2(file, path, convscope_h5p_default())
        guard d >= 0 else { throw WeightsError.malformed(file: name, detail: "cannot open \(path)") }
        defer { H5Dclose(d) }
        try checkStorage(d, path)
        let shape = shapeLocked(d)
        guard shape == expected else {
            throw WeightsError.wrongShape(file: name, tensor: tensor, expected: expected, found: shape)
        }
        let type = H5Dget_type(d)
        defer { H5Tclose(type) }
        guard H5Tget_class(type) == H5T_FLOAT else {
            throw WeightsError.malformed(file: name, detail: "\(tensor) is not floating point")
        }
        guard [2, 4, 8].contains(H5Tget_size(type)), H5Tget_ebias(type) == [2: 15, 4: 127, 8: 1023][H5Tget_size(type)]
        else {
            throw WeightsError.unsafeHDF5(file: name, detail: "\(tensor) is not an IEEE float (16, 32 or 64 bits)")
        }
        let count = expected.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        let status = out.withUnsafeMutableBytes {
            H5Dread(
                d, convscope_h5t_native_float(), convscope_h5s_all(), convscope_h5s_all(), convscope_h5p_default(),
                $0.baseAddress)
        }
        guard status >= 0 else { throw WeightsError.truncated(file: name, detail: "cannot read \(tensor)") }
        return out
    }

    private func checkStorage(_ d: hid_t, _ path: String) throws {
        let dcpl = H5Dget_create_plist(d)
        defer { H5Pclose(dcpl) }
        if H5Pget_external_count(dcpl) > 0 {
            throw WeightsError.unsafeHDF5(file: name, detail: "\(path) keeps its data in an external file")
        }
        if H5Pget_layout(dcpl) == H5D_VIRTUAL {
            throw WeightsError.unsafeHDF5(file: name, detail: "\(path) is a virtual dataset")
        }
        if H5Pget_layout(dcpl) == H5D_COMPACT {  // Keras never writes these; libhdf5's compact reads trust the file
            throw WeightsError.unsafeHDF5(file: name, detail: "\(path) is stored compact, which Keras never writes")
        }
        let filters = H5Pget_nfilters(dcpl)
        for i in 0..<max(filters, 0) {
            var flags: UInt32 = 0
            var nelmts: Int = 0
            var config: UInt32 = 0
            let id = H5Pget_filter2(dcpl, UInt32(i), &flags, &nelmts, nil, 0, nil, &config)
            guard HDF5File.builtInFilters.contains(id) else {
                throw WeightsError.unsafeHDF5(file: name, detail: "\(path) needs HDF5 filter plugin \(id)")
            }
        }
    }
}
