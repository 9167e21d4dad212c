import Primitives

/// Reads a JSON document into a ``PodDefinition`` following Marathon 1.10's RAML schema.
enum PodSchema {
    /// Maps the document onto the schema.
    ///
    /// - Throws: `PodSpecError.invalidJSON` with every schema error found.
    static func read(_ json: JSONValue) throws(PodSpecError) -> (PodDefinition, PodInputFacts) {
        var reader = SchemaReader()
        var facts = PodInputFacts()
        let pod = reader.pod(json, facts: &facts)
        guard !reader.hasErrors, let pod else {
            throw .invalidJSON(reader.errors.details)
        }
        return (pod, facts)
    }
}
