// HDF5's type and property-list ids are macros that call H5open(); Swift cannot import them, so expose them here.
#include <hdf5.h>
#include <H5PLpublic.h>

static inline hid_t convscope_h5t_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t convscope_h5t_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t convscope_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t convscope_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t convscope_h5p_link_access(void) { return H5P_LINK_ACCESS; }
static inline hid_t convscope_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t convscope_h5e_default(void) { return H5E_DEFAULT; }
static inline hid_t convscope_h5s_all(void) { return H5S_ALL; }
static inline unsigned convscope_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline hid_t convscope_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
