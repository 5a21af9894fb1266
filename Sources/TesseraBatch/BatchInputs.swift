import Foundation

/// Turns the files and folders a user names into a sorted batch of (input, output) pairs.
public enum BatchInputs {
    /// File name extensions read as images (any case).
    public static let imageExtensions: Set<String> = ["tif", "tiff", "png", "pnm", "pgm", "ppm", "pbm", "pam"]

    /// True for names a batch or a watch folder never takes: dot-files (temporary outputs,
    /// editors' files) and names that copying tools use while a file is incomplete.
    public static func isIgnoredName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return name.hasPrefix(".") || name.hasSuffix("~")
            || [".tmp", ".part", ".partial", ".crdownload", ".swp", ".lock", ".filepart", ".download"]
                .contains { lower.hasSuffix($0) }
    }

    /// The output name of an image: its name with the extension replaced by `.tess`.
    public static func outputName(for name: String) -> String {
        let url = URL(fileURLWithPath: name)
        let ext = url.pathExtension
        return (ext.isEmpty ? name : String(name.dropLast(ext.count + 1))) + ".tess"
    }

    /// Files stay as they are (whatever their extension); a folder contributes every image
    /// file under it (by extension, skipping ignored names), keeping its sub-folders in the
    /// output. The result is sorted by output path. Inputs that give one output name (`a.png`,
    /// `a.tif`) all get one: the first by input path `a.tess`, the others their whole name
    /// (`a.tif.tess`); a clash that remains is an error.
    public static func expand(_ paths: [String], outputFolder: String, uniqueOutputs: Bool = true) throws(BatchError)
        -> [BatchItem]
    {
        var items: [BatchItem] = []
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw BatchError(path: path, problem: "no such file or folder")
            }
            if !isDirectory.boolValue {
                let name = URL(fileURLWithPath: path).lastPathComponent
                let rel = outputName(for: name)
                items.append(BatchItem(input: path, output: join(outputFolder, rel), relativeOutput: rel))
                continue
            }
            guard let walker = fm.enumerator(atPath: path) else {
                throw BatchError(path: path, problem: "cannot list the folder")
            }
            var found: [String] = []
            while let rel = walker.nextObject() as? String {
                let name = URL(fileURLWithPath: rel).lastPathComponent
                if isIgnoredName(name) {
                    if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { walker.skipDescendants() }
                    continue
                }
                guard walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular,
                    imageExtensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased())
                else { continue }
                found.append(rel)
            }
            for rel in found {
                let out = outputName(for: rel)
                items.append(BatchItem(input: join(path, rel), output: join(outputFolder, out), relativeOutput: out))
            }
        }
        // A file named twice is one input.
        var inputs = Set<String>()
        items = items.filter { inputs.insert(URL(fileURLWithPath: $0.input).standardizedFileURL.path).inserted }
        items.sort { ($0.relativeOutput, $0.input) < ($1.relativeOutput, $1.input) }
        if uniqueOutputs {
            // Inputs that give one output name (`a.png`, `a.tif`): the first (by input path) keeps
            // it, the others take their whole name (`a.tif.tess`), as the watch folder does.
            var seen = Set<String>()
            for i in items.indices {
                guard !seen.insert(items[i].relativeOutput).inserted else { continue }
                let rel = items[i].relativeOutput
                let folder = rel.contains("/") ? String(rel[...rel.lastIndex(of: "/")!]) : ""
                let renamed = folder + URL(fileURLWithPath: items[i].input).lastPathComponent + ".tess"
                items[i] = BatchItem(
                    input: items[i].input, output: join(outputFolder, renamed), relativeOutput: renamed)
                seen.insert(renamed)
            }
            items.sort { $0.relativeOutput < $1.relativeOutput }
            for (a, b) in zip(items, items.dropFirst()) where a.relativeOutput == b.relativeOutput {
                throw BatchError(path: b.input, problem: "its output \(b.output) is also the output of \(a.input)")
            }
        }
        return items
    }

    static func join(_ folder: String, _ rel: String) -> String {
        folder.hasSuffix("/") ? folder + rel : folder + "/" + rel
    }
}
