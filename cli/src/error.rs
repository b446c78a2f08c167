//! The error every subcommand returns: a message for the user and the process exit code.

/// A failure reported to the user: `message` on stderr, then exit with `code`.
#[derive(Debug)]
pub struct CliError {
    /// Exit code: 1 for bad input (a file's contents, a fit that fails), 2 for bad arguments.
    pub code: i32,
    /// What went wrong, naming the file and, where it applies, the line, value or byte offset.
    pub message: String,
}

impl CliError {
    /// Bad input (exit code 1).
    pub fn input(message: impl Into<String>) -> Self {
        CliError {
            code: 1,
            message: message.into(),
        }
    }

    /// Bad arguments (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            code: 2,
            message: message.into(),
        }
    }
}

/// The result of a CLI step.
pub type Result<T> = std::result::Result<T, CliError>;
