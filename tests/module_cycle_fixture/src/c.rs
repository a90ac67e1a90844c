/// [`crate::b::B`] in a doc comment is not an edge either.
pub struct C(pub Option<Box<super::a::A>>, pub crate::leaf::Leaf);
