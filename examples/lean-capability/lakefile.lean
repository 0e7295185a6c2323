import Lake
open Lake DSL

/-! A worker capability for `lean-worker-pool`: one streaming export and two JSON exports, built
    as a shared library (`lake build LwpExample:shared`) that `lean-rs-worker-child` loads through
    the capability manifest the pool's builder writes. -/
package «lwp_example»

-- The interop shims provide the row-callback trampoline a streaming export calls.
require «lean_rs_interop_shims» from git
  "https://github.com/jcreinhold/lean-rs" @ "v0.7.3" / "crates/lean-rs/shims/lean-rs-interop-shims"

@[default_target]
lean_lib «LwpExample» where
  defaultFacets := #[LeanLib.sharedFacet]
