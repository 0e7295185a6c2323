import LeanRsInterop.Worker.Stream
import Lean.Data.Json

/-! Exports of the example capability. Every export takes the request as a JSON string; the
    exported symbol names are what the pool's commands name, and what the manifest declares. -/

namespace LwpExample
open LeanRsInterop.Worker.Stream

/-- `{"n": N}` -> N, or 3 when the request has no usable `n`. -/
def requestedCount (requestJson : String) : Nat :=
  match Lean.Json.parse requestJson with
  | .ok json => (json.getObjValAs? Nat "n").toOption.getD 3
  | .error _ => 3

/-- JSON command (`String -> IO String`): the capability's own version. -/
@[export lwp_example_version]
def version (_requestJson : String) : IO String :=
  pure "{\"capability\":\"lwp_example\",\"version\":\"0.1.0\"}"

/-- Metadata export (`String -> IO String`), in the shape `capability_metadata` answers with. -/
@[export lwp_example_metadata]
def metadataExport (_requestJson : String) : IO String :=
  pure ("{\"commands\":[{\"name\":\"squares\",\"version\":\"1\"}]," ++
    "\"capabilities\":[{\"name\":\"lwp_example\",\"version\":\"0.1.0\"}]," ++
    "\"lean_version\":" ++ jsonString Lean.versionString ++ ",\"extra\":null}")

/-- Streaming export (`String -> USize -> USize -> IO UInt8`): one row per square on stream
    `squares`, a diagnostic, progress, then summary metadata; returns the callback status. -/
@[export lwp_example_squares]
def squares (requestJson : String) (handle trampoline : USize) : IO UInt8 := do
  let n := requestedCount requestJson
  let rows := (List.range n).toArray.map fun i =>
    row "squares" ("{\"i\":" ++ toString i ++ ",\"square\":" ++ toString (i * i) ++ "}")
  let envelopes :=
    #[diagnostic "lwp_example.squares.started" s!"{n} squares"] ++ rows ++
    #[progress "lwp_example.squares" n (some n), metadata ("{\"rows\":" ++ toString n ++ "}")]
  emitAll handle trampoline envelopes

end LwpExample
