//! `create-admin --email E [--nickname N]`: an ADMIN account, its password from a prompt on a
//! terminal or from the first line of stdin.

use cercat_config::Settings;
use std::process::ExitCode;

/// Creates the account (exit code 2 if no password could be read, 1 if creating failed).
pub async fn run(settings: &Settings, email: &str, nickname: &str) -> ExitCode {
    let password = match read_password() {
        Ok(p) => p,
        Err(err) => return super::fail(err, 2),
    };
    let services = match super::connect(settings).await {
        Ok(services) => services,
        Err(code) => return code,
    };
    match services.accounts.create_account(email, &password, nickname, cercat_user::Role::Admin).await {
        Ok(user) => {
            println!("created ADMIN #{} {}", user.id, user.email);
            ExitCode::SUCCESS
        }
        Err(err) => super::fail(format!("cannot create the admin: {err}"), 1),
    }
}

fn read_password() -> Result<String, String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ").map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("again:    ").map_err(|e| format!("cannot read the password: {e}"))?;
        if first != again {
            return Err("the passwords differ".into());
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
