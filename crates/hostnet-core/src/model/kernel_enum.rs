//! Enums whose values the kernel knows both by name and by number (bond mode `802.3ad` = 4).
//! Configs may use either; we always write the name back.

#[macro_export]
#[doc(hidden)]
macro_rules! kernel_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = ($text:literal, $num:literal $(, $alias:literal)*)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The number the kernel uses in netlink and sysfs.
            pub fn value(self) -> u8 {
                match self { $($name::$variant => $num),+ }
            }

            pub fn from_value(v: u8) -> Option<Self> {
                match v { $($num => Some($name::$variant),)+ _ => None }
            }

            fn expected() -> String {
                let names: Vec<String> = Self::ALL.iter().map(|v| format!("`{}`", v.as_str())).collect();
                format!("one of {}", names.join(", "))
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text $(| $alias)* => Ok($name::$variant),)+
                    _ => match s.parse::<u8>().ok().and_then($name::from_value) {
                        Some(v) => Ok(v),
                        None => Err(format!("unknown value `{}`, expected {}", s, Self::expected())),
                    },
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(&$name::expected())
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        u8::try_from(v).ok().and_then($name::from_value).ok_or_else(|| {
                            E::custom(format!("unknown value `{}`, expected {}", v, $name::expected()))
                        })
                    }
                    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        match u64::try_from(v) {
                            Ok(u) => self.visit_u64(u),
                            Err(_) => Err(E::custom(format!("unknown value `{}`, expected {}", v, $name::expected()))),
                        }
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}
