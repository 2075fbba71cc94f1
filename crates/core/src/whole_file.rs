//! Files Tend writes where the patient chose (an export, a report): whole or not at all. A failed
//! export used to leave an empty or half-written file that looked like a history.

use std::{
    ffi::OsString,
    fs::File,
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

/// A file written beside its place under a hidden temporary name, and moved into place by
/// [`WholeFile::finish`]. Dropped unfinished (an error on the way), it is removed, and whatever
/// was at the place before stays as it was.
#[derive(Debug)]
pub struct WholeFile {
    path: PathBuf,
    partial: PathBuf,
    out: Option<BufWriter<File>>,
}

impl WholeFile {
    /// Starts writing the file that will be at `path`.
    pub fn create(path: &Path) -> io::Result<WholeFile> {
        let name = path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        let mut partial = OsString::from(".");
        partial.push(name);
        partial.push(".partial");
        let partial = path.with_file_name(partial);
        let out = BufWriter::new(File::create(&partial)?);
        Ok(WholeFile {
            path: path.to_owned(),
            partial,
            out: Some(out),
        })
    }

    /// Where the file will be.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes out what is buffered, makes it durable and moves the file into place.
    pub fn finish(mut self) -> io::Result<()> {
        let out = self.out.take().ok_or_else(closed)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&self.partial, &self.path)
    }
}

fn closed() -> io::Error {
    io::Error::other("the file was already finished")
}

impl Write for WholeFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.as_mut().ok_or_else(closed)?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().ok_or_else(closed)?.flush()
    }
}

impl Drop for WholeFile {
    fn drop(&mut self) {
        // Finished, the partial name is gone already; otherwise nothing half-written stays.
        drop(self.out.take());
        let _ = std::fs::remove_file(&self.partial);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_in_place_only_once_finished_and_a_failed_one_leaves_the_old_one() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("history.fhir.json");
        let mut file = WholeFile::create(&path).expect("created");
        file.write_all(b"{\"resourceType\":\"Bundle\"}")
            .expect("written");
        assert!(!path.exists(), "nothing in place before it is finished");
        file.finish().expect("finished");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"{\"resourceType\":\"Bundle\"}"
        );

        // An export that fails half-way: the earlier file stays, and nothing else is left.
        let mut failed = WholeFile::create(&path).expect("created");
        failed.write_all(b"{\"resourceType\":").expect("written");
        drop(failed);
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"{\"resourceType\":\"Bundle\"}"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("listed")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["history.fhir.json"]);
    }
}
