pub struct Leaf;
pub const LEAF: Leaf = Leaf;
