/**
 * Identifier-shaped keywords of Lean 4's built-in grammar (commands, terms, `do` notation, the
 * module header and the core tactics). A name component spelled like one of them is only a name
 * when it is written `«escaped»`, so such a component keeps its escape when a name is rendered
 * back into Lean source. The list errs on the side of keeping: an escape on a component that
 * did not need one denotes the same name.
 */
const WORDS = `
abbrev all at attribute axiom builtin_initialize by calc catch class coinductive continue break
declare_syntax_cat def deriving do dsimp elab elab_rules else end example exact exists export
extends false finally for forall fun have if import in include induction inductive infix infixl
infixr initialize instance intro intros let local macro macro_rules match meta module mut mutual
namespace nofun nomatch noncomputable notation obtain omit opaque open only partial postfix
prefix prelude private protected public rcases refine return rfl rintro rw scoped section
set_option show simp simp_all sorry Sort structure suffices syntax then theorem this trivial try
Type Prop unless universe unsafe using variable where with
`;

/** The keywords, one string each. */
export const LEAN_KEYWORDS: ReadonlySet<string> = new Set(WORDS.split(/\s+/).filter((w) => w !== ''));
