/// The persisted holder file `refs/<sha256 of holder>.json`.
struct HolderRecord: Codable, Sendable, Equatable {
    var holder: String
    /// Keys (file stems under `images/`) of the images the holder uses.
    var images: [String]
}
