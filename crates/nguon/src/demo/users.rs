//! One portal account per role, each with a fresh random password that is printed once and
//! stored only as its hash, as `nguon user add` does.

use nguon_domain::{Access, Actor, Email, NewUser, Password, PersonName, Role};
use nguon_store::Store;
use secrecy::SecretString;

use super::organisations::Roster;

/// An account created, with the password to print.
pub struct Login {
    /// Its role.
    pub role: Role,
    /// Its sign-in address.
    pub email: String,
    /// Its password, shown once.
    pub password: String,
}

/// Who gets an account: role, address, name and, for organisation roles, the organisation.
const ACCOUNTS: [(Role, &str, &str, Option<&str>); 4] = [
    (
        Role::ProvinceAdmin,
        "quantri@sokhcn.camau.gov.vn",
        "Nguyễn Thị Lan",
        None,
    ),
    (
        Role::Inspector,
        "thanhtra@sokhcn.camau.gov.vn",
        "Trần Minh Đức",
        None,
    ),
    (
        Role::OrgAdmin,
        "quanly@baclieuxanh.vn",
        "Lê Hoàng Phúc",
        Some("processor"),
    ),
    (
        Role::OrgStaff,
        "nhatky@mangtayvinhthinh.vn",
        "Võ Thị Hạnh",
        Some("veg_coop"),
    ),
];

/// Password characters: 20 hexadecimal digits carry 80 bits, well past what an online guess
/// can reach, and are easy to type from a terminal.
const PASSWORD_DIGITS: usize = 20;

/// Creates the accounts.
pub async fn create(store: &dyn Store, roster: &Roster) -> anyhow::Result<Vec<Login>> {
    let mut logins = Vec::new();
    for (role, email, name, organisation) in ACCOUNTS {
        let (token, _) = nguon_web::auth::generate_token()
            .map_err(|error| anyhow::anyhow!("the system has no source of randomness: {error}"))?;
        let password = token[token.len() - PASSWORD_DIGITS..].to_owned();
        let password_hash =
            nguon_web::password::hash(Password::parse(SecretString::from(password.clone()))?)
                .await?;
        let new = NewUser {
            email: Email::parse(email)?,
            name: Some(PersonName::parse(name)?),
            access: Access::new(role, organisation.map(|slug| roster.member(slug).id))?,
            password_hash,
        };
        store.create_user(&new, Actor::Cli).await?;
        logins.push(Login {
            role,
            email: email.to_owned(),
            password,
        });
    }
    Ok(logins)
}
