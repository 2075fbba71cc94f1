//! `raw_enum!`: an enumeration carried as one byte, whose other values the specification reserves.

/// Declares a `Copy` enum with `raw()` (its byte) and `from_raw()` (which rejects reserved bytes
/// with [`crate::Error::Reserved`] naming `$field`), plus `ALL` for tests and generators.
macro_rules! raw_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($field:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every defined value, in specification order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The byte the specification assigns to this value.
            pub fn raw(self) -> u8 {
                match self {
                    $($name::$variant => $value),+
                }
            }

            /// The value for `raw`, or [`crate::Error::Reserved`] for a byte the specification reserves.
            pub fn from_raw(raw: u8) -> $crate::Result<Self> {
                match raw {
                    $($value => Ok($name::$variant),)+
                    _ => Err($crate::Error::Reserved { field: $field, value: u32::from(raw) }),
                }
            }
        }
    };
}
